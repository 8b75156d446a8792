/**
 * Contagion simulator: one book of accounts under a price path, run as one shared pool and as
 * isolated segments, with the vault's liquidation rules and a finite-depth market. Pure and
 * deterministic: no Nest, no database, no chain; money is bigint, statistics are doubles.
 */
export * from './alert.js';
export * from './book.js';
export * from './engine.js';
export * from './errors.js';
export * from './files.js';
export * from './market.js';
export * from './paths.js';
export * from './random.js';
export * from './report.js';
export * from './scenario.js';
export * from './simulate.js';
export * from './wad.js';
