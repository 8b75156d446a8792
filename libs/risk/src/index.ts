/**
 * Pure risk math for segments: EWMA volatility, VaR / ES of a segment's book, liquidation headroom,
 * cross-segment correlation, and the parameter policy clamped to the controller's steward rules.
 * No Nest, no database, no chain: amounts are bigint at the edges, statistics are doubles inside.
 */
export * from './assess.js';
export * from './book.js';
export * from './correlation.js';
export * from './errors.js';
export * from './headroom.js';
export * from './normal.js';
export * from './policy.js';
export * from './routing.js';
export * from './routing-chain.js';
export * from './rules.js';
export * from './tail-risk.js';
export * from './units.js';
export * from './volatility.js';
