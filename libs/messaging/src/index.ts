export * from './layerzero/index.js';
export * from './governance/actions.js';
export * from './codec/index.js';
export * from './routing/routes.js';
