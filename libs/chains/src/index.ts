export { ChainRegistry, ChainRegistryError, toViemChain, type ChainConfig } from './registry.js';
export {
  accountFromPrivateKey,
  chainTransport,
  createChainPublicClient,
  createChainWalletClient,
  type ClientOptions,
} from './clients.js';
export { LogRangeSizer, nodeReason, readInBlockRanges, refusedByNode } from './block-ranges.js';
export { loadChainRegistry, parseChainConfigs } from './config-file.js';
export { EnvReader } from './env.js';
export { revertReason } from './revert.js';
export { bloomMayContain } from './bloom.js';
export { fastSigningAccount, keccak256Of, privateKeyBytes, signHashRecoverable } from './signing.js';
