import {
  createPublicClient,
  createWalletClient,
  fallback,
  http,
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount, nonceManager } from 'viem/accounts';
import { rpcFetch } from './http-fetch.js';
import { toViemChain, type ChainConfig } from './registry.js';

export interface ClientOptions {
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Retries per transport before falling back to the next RPC URL. */
  retryCount?: number;
  /** Batch concurrent JSON-RPC calls into one HTTP request. */
  batch?: boolean;
  /**
   * How long viem may reuse a block number it read (its default is 4 s, far too stale for a
   * relayer that waits on confirmations block by block). Default 0: always ask the chain.
   */
  cacheTimeMs?: number;
}

export function chainTransport(chain: ChainConfig, options: ClientOptions = {}): Transport {
  const transports = chain.rpcUrls.map((url) =>
    http(url, {
      timeout: options.timeoutMs ?? 10_000,
      retryCount: options.retryCount ?? 2,
      batch: options.batch ?? true,
      fetchFn: rpcFetch,
    }),
  );
  return fallback(transports, { rank: false });
}

export function createChainPublicClient(chain: ChainConfig, options?: ClientOptions): PublicClient {
  return createPublicClient({
    chain: toViemChain(chain),
    transport: chainTransport(chain, options),
    cacheTime: options?.cacheTimeMs ?? 0,
    pollingInterval: 100,
  });
}

export function createChainWalletClient(
  chain: ChainConfig,
  account: Account,
  options?: ClientOptions,
): WalletClient<Transport, Chain, Account> {
  return createWalletClient({ chain: toViemChain(chain), account, transport: chainTransport(chain, options) });
}

/**
 * A local account whose nonces are tracked in process by viem's nonce manager. This is enough
 * for one process per key; several replicas sharing a key need the relayer's signer lease.
 */
export function accountFromPrivateKey(privateKey: `0x${string}`): Account {
  return privateKeyToAccount(privateKey, { nonceManager });
}
