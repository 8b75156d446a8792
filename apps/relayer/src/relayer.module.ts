import { Module, type DynamicModule } from '@nestjs/common';
import { loadChainRegistry, type ChainRegistry } from '#app/chains';
import { registryFromManifest, readManifest } from '#app/devnet';
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
  if (settings.chainsFile) return loadChainRegistry(settings.chainsFile);
  const manifest = readManifest(settings.manifestPath);
  if (!manifest)
    throw new RelayerConfigError(
      `no devnet manifest at ${settings.manifestPath} (start one with \`segctl devnet up\`, or set RELAYER_CHAINS_FILE)`,
    );
  return registryFromManifest(manifest);
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
