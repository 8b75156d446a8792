import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { RelayerChain } from '../chains/relayer-chain.js';
import { RelayerMetrics } from '../metrics.js';
import type { PacketStore } from '../pipeline/packet-store.js';
import { PACKET_STORE, RELAYER_CHAINS } from '../tokens.js';

/** A watcher this many blocks behind its chain's head is not ready. */
export const MAX_READY_LAG_BLOCKS = 100n;

@Controller()
export class HealthController {
  constructor(
    @Inject(RELAYER_CHAINS) private readonly chains: readonly RelayerChain[],
    @Inject(PACKET_STORE) private readonly store: PacketStore,
    @Inject(RelayerMetrics) private readonly metrics: RelayerMetrics,
  ) {}

  /** Liveness: the process answers. */
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database and every chain answer, and every watcher is close to its head. */
  @Get('ready')
  async ready(): Promise<{ status: 'ready'; chains: { eid: number; head: string; cursor: string | null }[] }> {
    let database: string | undefined;
    const chains = await Promise.all(
      this.chains.map(async (c) => {
        const [head, cursor] = await Promise.all([
          c.client.getBlockNumber().catch(() => undefined),
          this.store.cursor(c.eid).catch((error: unknown) => {
            database = `the database is not answering: ${error instanceof Error ? error.message : String(error)}`;
            return null;
          }),
        ]);
        return { eid: c.eid, name: c.name, head, cursor: cursor?.block };
      }),
    );
    if (database) throw new ServiceUnavailableException({ status: 'not ready', problems: [database] });
    const problems = chains.flatMap((c) => {
      if (c.head === undefined) return [`${c.name} (${c.eid}) is not answering`];
      if (c.cursor === undefined || c.head - c.cursor > MAX_READY_LAG_BLOCKS)
        return [
          `${c.name} (${c.eid}) watcher is ${c.cursor === undefined ? 'not started' : `${c.head - c.cursor} blocks behind`}`,
        ];
      return [];
    });
    if (problems.length > 0) throw new ServiceUnavailableException({ status: 'not ready', problems });
    return {
      status: 'ready',
      chains: chains.map((c) => ({
        eid: c.eid,
        head: String(c.head),
        cursor: c.cursor === undefined ? null : String(c.cursor),
      })),
    };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
