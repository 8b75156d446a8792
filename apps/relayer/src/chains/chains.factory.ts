import { createChainPublicClient, createChainWalletClient, fastSigningAccount, type ChainRegistry } from '#app/chains';
import type { Hex } from 'viem';
import type { WorkerAddresses } from '../pipeline/packet-store.js';
import type { RelayerChain } from './relayer-chain.js';
import { TxSender, type TxAttemptLog } from './tx-sender.js';

/** One RelayerChain per configured chain, each with its own sender for the relayer key. */
export function buildRelayerChains(registry: ChainRegistry, senderKey: Hex, attempts?: TxAttemptLog): RelayerChain[] {
  return registry.chains.map((config) => {
    const at = (name: keyof WorkerAddresses) => registry.contract(config.eid, name);
    const workers: WorkerAddresses = {
      endpoint: at('endpoint'),
      endpointView: at('endpointView'),
      sendUln302: at('sendUln302'),
      receiveUln302: at('receiveUln302'),
      dvn: at('dvn'),
      executor: at('executor'),
      batchExecutor: at('batchExecutor'),
    };
    const client = createChainPublicClient(config);
    const wallet = createChainWalletClient(config, fastSigningAccount(senderKey));
    return {
      name: config.name,
      eid: config.eid,
      confirmations: config.confirmations,
      client,
      workers,
      sender: new TxSender(client, wallet, { eid: config.eid, ...(attempts ? { attempts } : {}) }),
      ...(config.contracts.segmentVault ? { segmentVault: config.contracts.segmentVault } : {}),
      ...(config.contracts.segmentController ? { segmentController: config.contracts.segmentController } : {}),
    };
  });
}
