/** Injection tokens for the ports that have more than one possible implementation. */
export const RELAYER_SETTINGS = Symbol('RELAYER_SETTINGS');
export const PACKET_STORE = Symbol('PACKET_STORE');
export const PACKET_QUERIES = Symbol('PACKET_QUERIES');
export const RELAYER_CHAINS = Symbol('RELAYER_CHAINS');
export const SENDER_LOCKS = Symbol('SENDER_LOCKS');
