import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { formatEther } from 'viem';
import { dvnSigner } from '#app/messaging';
import type { RelayerChain } from './chains/relayer-chain.js';
import { RelayerMetrics } from './metrics.js';
import type { PacketQueries, PacketStore } from './pipeline/packet-store.js';
import { RelayerPipeline, type SenderLocks } from './pipeline/pipeline.js';
import { redactSettings, type RelayerSettings } from './relayer.config.js';
import { PACKET_QUERIES, PACKET_STORE, RELAYER_CHAINS, RELAYER_SETTINGS, SENDER_LOCKS } from './tokens.js';

/** Runs the pipeline for the lifetime of the Nest application and keeps the gauges fresh. */
@Injectable()
export class RelayerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Relayer');
  readonly pipeline: RelayerPipeline;
  private gaugeTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(RELAYER_SETTINGS) private readonly settings: RelayerSettings,
    @Inject(PACKET_STORE) store: PacketStore,
    @Inject(PACKET_QUERIES) private readonly queries: PacketQueries,
    @Inject(RELAYER_CHAINS) private readonly chains: readonly RelayerChain[],
    @Inject(RelayerMetrics) private readonly metrics: RelayerMetrics,
    @Inject(SENDER_LOCKS) private readonly locks: SenderLocks & { releaseAll(): Promise<void> },
  ) {
    store.onStageTimings?.((timings) => {
      for (const t of timings) {
        const pathway = `${t.srcEid}-${t.dstEid}`;
        this.metrics.packetStageSeconds.observe({ stage: t.stage, pathway }, t.seconds);
        if (t.stage === 'delivered') this.metrics.deliverySeconds.observe({ pathway }, t.sinceSeenSeconds);
      }
    });
    const signers = settings.dvnSignerKeys.map((k) => dvnSigner(k));
    this.pipeline = new RelayerPipeline(
      store,
      chains,
      signers,
      {
        owner: settings.replicaId,
        pollMs: settings.pollMs,
        batchSize: settings.batchSize,
        leaseMs: settings.leaseMs,
        backoff: { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs, maxAttempts: settings.maxAttempts },
        startBlock: (eid) => settings.startBlocks.get(eid) ?? settings.startBlock,
        maxLogRange: settings.maxLogRange,
        denylist: settings.denylist,
        attestIntervalMs: settings.attestIntervalMs,
        // the embedded database belongs to this process (its directory is locked)
        sharedDatabase: settings.databaseUrl !== undefined,
      },
      {
        onTick: (stage, eid, result, ms) => {
          this.metrics.stageSeconds.observe({ stage, eid: String(eid) }, ms / 1000);
          for (const [key, value] of Object.entries(result)) {
            if (key === 'head' || key === 'scanned' || Number(value) === 0) continue;
            this.metrics.transitions.inc({ stage, eid: String(eid), result: key }, Number(value));
            this.logger.log({ at: `Relayer#${stage}`, eid, [key]: Number(value) });
          }
        },
        onError: (stage, eid, error) => {
          this.metrics.errors.inc({ stage, eid: String(eid) });
          this.logger.warn({
            at: `Relayer#${stage}`,
            eid,
            error: error instanceof Error ? error.message.split('\n')[0] : String(error),
          });
        },
      },
      locks,
    );
  }

  onApplicationBootstrap(): void {
    this.logger.log({
      at: 'Relayer#start',
      settings: redactSettings(this.settings),
      chains: this.chains.map((c) => `${c.name}:${c.eid}`),
    });
    if (this.settings.usingDevnetKeys)
      this.logger.warn({
        at: 'Relayer#start',
        note: 'using the well-known devnet keys: configure RELAYER_SENDER_KEY and RELAYER_DVN_SIGNER_KEYS outside a devnet',
      });
    this.pipeline.start();
    this.gaugeTimer = setInterval(() => void this.refreshGauges(), 5_000);
    this.gaugeTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.gaugeTimer) clearInterval(this.gaugeTimer);
    await this.pipeline.stop();
    await this.locks.releaseAll();
  }

  async refreshGauges(): Promise<void> {
    try {
      this.metrics.queue.reset();
      for (const row of await this.queries.countByStage()) {
        this.metrics.queue.set({ stage: row.stage, pathway: `${row.srcEid}-${row.dstEid}` }, row.count);
      }
      for (const chain of this.chains) {
        const balance = await chain.client.getBalance({ address: chain.sender.address });
        this.metrics.balance.set({ eid: String(chain.eid) }, Number(formatEther(balance)));
      }
    } catch (error) {
      this.logger.warn({ at: 'Relayer#gauges', error: error instanceof Error ? error.message : String(error) });
    }
  }
}
