/** Injection tokens of the risk oracle's module. */
export const RISK_SETTINGS = Symbol('RISK_SETTINGS');
export const RISK_REPOSITORY = Symbol('RISK_REPOSITORY');
export const CHAIN_REGISTRY = Symbol('CHAIN_REGISTRY');
export const ORACLE_CHAINS = Symbol('ORACLE_CHAINS');
export const ROUTING_CHAINS = Symbol('ROUTING_CHAINS');
