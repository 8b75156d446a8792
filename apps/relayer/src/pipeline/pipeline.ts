import type { RelayerChain, DvnSigners } from '../chains/relayer-chain.js';
import type { BackoffPolicy } from './backoff.js';
import { Attester } from './attester.js';
import { Confirmer } from './confirmer.js';
import { Deliverer } from './deliverer.js';
import { Handoff } from './handoff.js';
import type { PacketStore } from './packet-store.js';
import { Verifier } from './verifier.js';
import { Wakeups } from './wakeups.js';
import { Watcher } from './watcher.js';

export interface PipelineOptions {
  owner: string;
  pollMs: number;
  batchSize: number;
  leaseMs: number;
  backoff: BackoffPolicy;
  startBlock: (eid: number) => bigint;
  maxLogRange: bigint;
  /** OApps the operator refuses to relay for: `<eid>:<address>` or `<address>`, lower-case. */
  denylist: ReadonlySet<string>;
  /** Attestation keeper interval per chain; 0 turns it off. */
  attestIntervalMs: number;
  /**
   * Whether other replicas may write packets to the database (Postgres, the default), or this
   * process is its only writer (the embedded database). Then a stage whose claims keep coming back
   * empty claims less often: every packet this process moves on is handed over in memory. It still
   * claims at least once per first retry delay and at least every 2 s, so a retry is not held back.
   */
  sharedDatabase?: boolean;
}

/** On a database this process alone writes, the longest an idle stage waits between claims. */
const SOLE_WRITER_IDLE_CLAIM_MS = 2_000;

/** Grants the right to send from a (chain, key); one holder across all replicas. */
export interface SenderLocks {
  /** `uncounted`: a role any replica may hold any number of (not limited like senders). */
  tryAcquire(key: string, options?: { uncounted?: boolean }): Promise<boolean>;
  /** Whether this replica holds `key` now, as far as it knows (no database round trip). */
  holds?(key: string): boolean;
}

export type Stage = 'watch' | 'confirm' | 'verify' | 'deliver' | 'attest';

export interface PipelineEvents {
  onTick?(stage: Stage, eid: number, result: Record<string, number | bigint>, ms: number): void;
  onError?(stage: Stage, eid: number, error: unknown): void;
  onHead?(eid: number, head: bigint, cursor: bigint): void;
}

/**
 * Runs the stages for every chain: watch and confirm each chain as a source, verify and deliver
 * on each chain as a destination. A stage that throws is reported and tried again on the next
 * round; it never stops the other chains or the other stages.
 */
export class RelayerPipeline {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly wakeups = new Wakeups();
  private readonly watcher: Watcher;
  private readonly confirmer: Confirmer;
  private readonly verifier: Verifier;
  private readonly deliverer: Deliverer;
  private readonly attester: Attester;
  private readonly heads = new Map<number, bigint>();

  constructor(
    private readonly store: PacketStore,
    private readonly chains: readonly RelayerChain[],
    signers: DvnSigners,
    private readonly options: PipelineOptions,
    private readonly events: PipelineEvents = {},
    private readonly locks: SenderLocks = { tryAcquire: () => Promise.resolve(true), holds: () => true },
  ) {
    const byEid = new Map(chains.map((c) => [c.eid, c]));
    // a packet moved on is handed to this replica's next stage, and wakes the loop that takes it
    const handoff = new Handoff(options.leaseMs / 2, (stage, dstEid) =>
      this.wakeups.wake(`${stage === 'confirmed' ? 'verify' : 'deliver'}:${dstEid}`),
    );
    const confirmationsOf = (eid: number) => byEid.get(eid)?.confirmations ?? 1;
    const longestIdleClaimMs =
      (options.sharedDatabase ?? true) ? undefined : Math.min(options.backoff.baseMs, SOLE_WRITER_IDLE_CLAIM_MS);
    const handTo = {
      handoff,
      verifies: (dstEid: number) => {
        const chain = byEid.get(dstEid);
        return chain !== undefined && (this.locks.holds?.(senderKey(chain)) ?? false);
      },
    };
    this.watcher = new Watcher(store, {
      startBlock: options.startBlock,
      maxRange: options.maxLogRange,
      reorgRewind: 64n,
      owner: options.owner,
      leaseMs: options.leaseMs,
      handTo,
    });
    // confirming sends no transaction: it can take far larger batches than verify and deliver
    this.confirmer = new Confirmer(store, options.owner, options.leaseMs, options.batchSize * 10, handTo);
    this.verifier = new Verifier(store, signers, confirmationsOf, {
      ...options,
      handoff,
      longestIdleClaimMs,
      instructionTtlSeconds: 600n,
      denied: (p) => {
        const listed = (eid: number, address: string) =>
          options.denylist.has(address) || options.denylist.has(`${eid}:${address}`);
        const sender = `0x${p.sender.slice(-40)}`.toLowerCase();
        const receiver = `0x${p.receiver.slice(-40)}`.toLowerCase();
        if (listed(p.srcEid, sender)) return `sender ${p.srcEid}:${sender} is on the operator denylist`;
        if (listed(p.dstEid, receiver)) return `receiver ${p.dstEid}:${receiver} is on the operator denylist`;
        return undefined;
      },
    });
    this.deliverer = new Deliverer(store, { ...options, handoff, longestIdleClaimMs });
    this.attester = new Attester({ intervalMs: options.attestIntervalMs });
  }

  /**
   * Starts three loops per chain, side by side: one follows it as a source (watch, confirm), two
   * work on it as a destination, one verifying and one delivering (and attesting). The two
   * destination loops share the chain's sender, which sends their transactions one at a time in
   * nonce order; while one waits for its transaction, the other prepares its next batch. The
   * database serialises what must be; a loop with nothing to do sleeps `pollMs`.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.chains.flatMap((chain) => [
      this.loop(() => this.sourceRound(chain)),
      this.loop(() => this.verifyRound(chain), `verify:${chain.eid}`),
      this.loop(() => this.deliverRound(chain), `deliver:${chain.eid}`),
    ]);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeups.wakeAll();
    await Promise.all(this.loops);
    await this.watcher.flush();
    await this.deliverer.flush();
    await this.store.release(this.options.owner);
  }

  /**
   * An operator re-queued a packet to `dstEid`: its verify loop claims at once, rather than after
   * the wait an idle stage keeps between claims.
   */
  requeued(dstEid: number): void {
    this.verifier.requeued(dstEid);
    this.wakeups.wake(`verify:${dstEid}`);
  }

  /**
   * Watch and confirm one chain as a source, when this replica is the chain's watcher: one replica
   * at a time watches a chain (a lock like a sender's, that any replica may take over), so
   * replicas neither read every chain's logs each nor race to record the same packets.
   */
  private async sourceRound(chain: RelayerChain): Promise<number> {
    const watching = await this.locks
      .tryAcquire(`relayer-watcher:${chain.eid}`, { uncounted: true })
      .catch((error: unknown) => {
        this.events.onError?.('watch', chain.eid, error);
        return false;
      });
    if (!watching) {
      this.watcher.forget(chain.eid); // another replica moves the cursor on meanwhile
      return 0;
    }
    let work = 0;
    const watched = await this.stage('watch', chain.eid, () => this.watcher.tick(chain));
    if (watched) {
      this.heads.set(chain.eid, watched.head);
      work += watched.found;
    }
    const head = this.heads.get(chain.eid);
    if (head !== undefined) {
      // packets recorded `sent` (not yet deep enough) are the confirmer's to watch
      const recordedAt = watched && watched.found > watched.confirmed ? watched.head : undefined;
      const confirmed = await this.stage('confirm', chain.eid, () => this.confirmer.tick(chain, head, recordedAt));
      work += (confirmed?.confirmed ?? 0) + (confirmed?.dropped ?? 0);
    }
    return work;
  }

  /** Verify on one chain as a destination, when this replica holds its sender. */
  private async verifyRound(chain: RelayerChain): Promise<number> {
    if (!(await this.holdsSender(chain, 'verify'))) return 0;
    const verified = await this.stage('verify', chain.eid, () => this.verifier.tick(chain));
    return (verified?.verified ?? 0) + (verified?.failed ?? 0);
  }

  /** Deliver (and keep attestations fresh) on one chain as a destination, when this replica holds its sender. */
  private async deliverRound(chain: RelayerChain): Promise<number> {
    if (!(await this.holdsSender(chain, 'deliver'))) return 0;
    const delivered = await this.stage('deliver', chain.eid, () => this.deliverer.tick(chain));
    await this.stage('attest', chain.eid, () => this.attester.tick(chain));
    return (delivered?.delivered ?? 0) + (delivered?.failed ?? 0) + (delivered?.reopened ?? 0);
  }

  /** One replica at a time sends from a (chain, key); the lock is held until the replica's connection ends. */
  private holdsSender(chain: RelayerChain, stage: Stage): Promise<boolean> {
    return this.locks.tryAcquire(senderKey(chain)).catch((error: unknown) => {
      this.events.onError?.(stage, chain.eid, error);
      return false;
    });
  }

  /** Runs `round` until stopped; after a round with no work it sleeps `pollMs`, or until woken by `key`. */
  private async loop(round: () => Promise<number>, key?: string): Promise<void> {
    while (this.running) {
      const work = await round();
      if (work > 0 || !this.running) continue;
      await this.wakeups.sleep(this.options.pollMs, key);
    }
  }

  private async stage<T extends Record<string, number | bigint>>(
    name: Stage,
    eid: number,
    work: () => Promise<T>,
  ): Promise<T | undefined> {
    const started = performance.now();
    try {
      const result = await work();
      this.events.onTick?.(name, eid, result, performance.now() - started);
      return result;
    } catch (error) {
      this.events.onError?.(name, eid, error);
      return undefined;
    }
  }
}

/** The lock that makes a replica the one sender of its key on a chain. */
function senderKey(chain: RelayerChain): string {
  return `relayer-sender:${chain.eid}:${chain.sender.address.toLowerCase()}`;
}
