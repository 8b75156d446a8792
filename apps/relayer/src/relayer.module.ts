import { Module, type DynamicModule } from '@nestjs/common';
import type { ChainRegistry } from '#app/chains';
import { serviceChainRegistry } from '#app/devnet';
import { buildRelayerChains } from './chains/chains.factory.js';
import type { TxAttemptLog } from './chains/tx-sender.js';
import { HealthController } from './http/health.controller.js';
import { PacketsController } from './http/packets.controller.js';
import { RelayerMetrics } from './metrics.js';
import type { RelayerSettings } from './relayer.config.js';
import { RelayerConfigError } from './relayer.config.js';
import { RelayerService } from './relayer.service.js';
import { PACKET_QUERIES, PACKET_STORE, RELAYER_CHAINS, RELAYER_SETTINGS, SENDER_LOCKS } from './tokens.js';
import type { SenderLocks } from './pipeline/pipeline.js';
import type { PacketQueries, PacketStore } from './pipeline/packet-store.js';

export interface RelayerModuleOptions {
  settings: RelayerSettings;
  /** The database behind the pipeline (opened and migrated by the caller, closed by it too). */
  store: PacketStore & PacketQueries;
  /** One sender per (chain, key) across replicas. */
  locks: SenderLocks & { releaseAll(): Promise<void> };
  /** Where every broadcast transaction is recorded. */
  attempts: TxAttemptLog;
}

/** Chains from RELAYER_CHAINS_FILE when set, else from the devnet manifest. */
function chainRegistry(settings: RelayerSettings): ChainRegistry {
  return serviceChainRegistry(
    { chainsFile: settings.chainsFile, manifestPath: settings.manifestPath, chainsFileVariable: 'RELAYER_CHAINS_FILE' },
    (message) => new RelayerConfigError(message),
  );
}

/** The relayer as a Nest module: pipeline, operator HTTP API, health and metrics. */
@Module({})
export class RelayerModule {
  static forRoot(options: RelayerModuleOptions): DynamicModule {
    return {
      module: RelayerModule,
      controllers: [PacketsController, HealthController],
      providers: [
        { provide: RELAYER_SETTINGS, useValue: options.settings },
        { provide: PACKET_STORE, useValue: options.store },
        { provide: PACKET_QUERIES, useValue: options.store },
        { provide: SENDER_LOCKS, useValue: options.locks },
        {
          provide: RELAYER_CHAINS,
          useFactory: () =>
            buildRelayerChains(chainRegistry(options.settings), options.settings.senderKey, options.attempts),
        },
        RelayerMetrics,
        RelayerService,
      ],
    };
  }
}
