import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { toHex } from 'viem';
import type { RelayerProcess } from '../support/relayer-process.js';
import { CONFIRMATIONS, type ChaosHarness } from './harness.js';

/** What one fault did: how often it struck, how many packets were in flight each time, and how. */
export interface Injection {
  injections: number;
  inFlight: number;
  notes: string[];
  /** Undoes a change of relayers once the phase's packets are settled. */
  handBack?: () => Promise<void>;
}

export interface Fault {
  name: string;
  /** Runs the fault under the harness's load; `scale` 1 is the full suite, less is the short one. */
  run(h: ChaosHarness, scale: Scale): Promise<Injection>;
  /** Why the fault cannot run here (printed in the table, never skipped silently). */
  unavailable?(h: ChaosHarness): string | undefined;
}

export interface Scale {
  /** Injections per fault. */
  repeats: number;
  /** How long a stopped chain stays down. */
  chainOutageMs: number;
  /** How long the database stays out of reach. */
  dbOutageMs: number;
}

export const FULL: Scale = { repeats: 4, chainOutageMs: 30_000, dbOutageMs: 10_000 };
export const SHORT: Scale = { repeats: 2, chainOutageMs: 8_000, dbOutageMs: 4_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** kill -9 `victim` (counting what was in flight), start it again, and let it pick up. */
async function killAndRestart(h: ChaosHarness, victim: RelayerProcess, out: Injection): Promise<void> {
  out.inFlight += h.inFlight();
  await victim.kill();
  out.injections += 1;
  await sleep(500);
  await victim.start();
  await sleep(1_500);
}

/**
 * kill -9 the replica that is in the middle of `label` (a transaction it broadcast and has not yet
 * seen mined, found in its attempts table, and the replica that holds that chain's sender lock),
 * then start it again. Without a shared database the moment is picked at random under load.
 */
function killMid(name: string, label: string): Fault {
  return {
    name,
    async run(h, scale) {
      const out: Injection = { injections: 0, inFlight: 0, notes: [] };
      let aimed = 0;
      for (let i = 0; i < scale.repeats; i++) {
        let victim: RelayerProcess | undefined;
        if (h.pool) {
          const attempt = await h.pendingAttempt(label, new Date(), 30_000);
          if (attempt) victim = await h.senderHolder(attempt.eid, attempt.sender);
          if (victim) aimed += 1;
        } else {
          await sleep(300 + Math.random() * 700);
          victim = pick(h.replicas.filter((r) => r.running));
        }
        if (victim) await killAndRestart(h, victim, out);
      }
      out.notes.push(h.pool ? `${aimed} aimed at a pending ${label}` : 'at random moments under load');
      return out;
    },
  };
}

export const killMidVerify = killMid('kill -9 mid-verify', 'DVN.execute');
export const killMidDeliver = killMid('kill -9 mid-batch-execute', 'BatchExecutor.deliver');

/** kill -9 a replica while it holds leases on packets it claimed and is writing back. */
export const killMidWrite: Fault = {
  name: 'kill -9 mid-database write',
  unavailable: (h) => (h.pool ? undefined : 'needs the shared Postgres to see who holds a lease'),
  async run(h, scale) {
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    for (let i = 0; i < scale.repeats; i++) {
      const deadline = Date.now() + 30_000;
      let victim: RelayerProcess | undefined;
      while (!victim && Date.now() < deadline) {
        victim = await h.leaseHolder();
        if (!victim) await sleep(3);
      }
      if (victim) await killAndRestart(h, victim, out);
    }
    out.notes.push('leases left behind expire after 4 s');
    return out;
  },
};

/** Stops a destination chain's anvil, keeps it down, and brings it back with its state. */
export const chainOutage: Fault = {
  name: 'destination chain down',
  async run(h, scale) {
    const eid = h.eids[2];
    const anvil = h.anvil(eid);
    await h.pause(eid); // its own sends stop with it; the other chains keep sending to it
    // nothing is mined from here on, so the state it comes back with is the state it stopped with
    // (what reaches its pool meanwhile is lost, as a node's pool is when it restarts)
    await h.rpc(eid, 'evm_setAutomine', [false]);
    const state = await h.rpc(eid, 'anvil_dumpState');
    const head = await h.relay.client(eid).getBlockNumber();
    const inFlight = h.inFlight();
    await anvil.stop();
    await sleep(scale.chainOutageMs);
    await anvil.restart();
    await h.rpc(eid, 'anvil_loadState', [state]);
    const after = await h.relay.client(eid).getBlockNumber();
    h.resume(eid);
    return {
      injections: 1,
      inFlight,
      notes: [`${eid} down ${scale.chainOutageMs / 1000} s, back at block ${after} (was ${head})`],
    };
  },
};

/**
 * A destination rolled back past deliveries already made (anvil snapshot, a few seconds of the
 * relayers verifying and delivering to it, then revert): a reorg deeper than anyone should see,
 * or a provider's node restored from a snapshot. The relayer's records say delivered; the chain
 * says not. It must notice the hole in the pathway's nonces and deliver those packets again.
 */
export const destinationRollback: Fault = {
  name: 'destination rolled back after delivery',
  async run(h, scale) {
    const eid = h.eids[1];
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    const undone: string[] = [];
    for (let i = 0; i < Math.max(1, scale.repeats / 2); i++) {
      await h.pause(eid); // its own packets stay out of it: this is about deliveries to it
      const snapshot = await h.rpc(eid, 'evm_snapshot');
      const before = await h.relay.client(eid).getBlockNumber();
      const deliveredBefore = await h.receivedCount(eid);
      await sleep(3_000); // the relayers keep verifying and delivering to it meanwhile
      out.inFlight += h.inFlight();
      const blocks = (await h.relay.client(eid).getBlockNumber()) - before;
      const deliveries = (await h.receivedCount(eid)) - deliveredBefore;
      await h.rpc(eid, 'evm_revert', [snapshot]);
      undone.push(`${blocks} blocks with ${deliveries} deliveries`);
      out.injections += 1;
      h.resume(eid);
      await sleep(2_000);
    }
    out.notes.push(`${eid} rolled back 3 s each time, undoing ${undone.join('; ')}`);
    return out;
  },
};

/** Takes the database away from every replica: connections cut, new ones refused, then back. */
export const dbConnectionLoss: Fault = {
  name: 'postgres connection loss',
  unavailable: (h) => (h.proxy ? undefined : 'runs on Postgres (DATABASE_URL)'),
  async run(h, scale) {
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    let cut = 0;
    for (let i = 0; i < scale.repeats; i++) {
      out.inFlight += h.inFlight();
      cut += (await h.proxy?.outage(scale.dbOutageMs)) ?? 0;
      out.injections += 1;
      await sleep(2_000);
    }
    out.notes.push(`${cut} connections cut, ${scale.dbOutageMs / 1000} s unreachable each time`);
    return out;
  },
};

/** Restarts the Postgres server itself (the local cluster this machine runs). */
export const dbRestart: Fault = {
  name: 'postgres restart',
  unavailable: (h) => {
    if (!h.config.databaseUrl) return 'runs on Postgres (DATABASE_URL)';
    const host = new URL(h.config.databaseUrl).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost') return `Postgres at ${host} is not this machine's to restart`;
    if (!pgCluster()) return 'no local cluster found for pg_ctlcluster';
    return undefined;
  },
  async run(h, scale) {
    const cluster = pgCluster();
    if (!cluster) throw new Error('no local Postgres cluster');
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    for (let i = 0; i < Math.max(1, scale.repeats / 2); i++) {
      out.inFlight += h.inFlight();
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart'], { stdio: 'ignore' });
      out.injections += 1;
      await sleep(3_000);
    }
    out.notes.push(`pg_ctlcluster ${cluster} main restart`);
    return out;
  },
};

function pgCluster(): string | undefined {
  if (!existsSync('/etc/postgresql')) return undefined;
  try {
    execFileSync('which', ['pg_ctlcluster'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return readdirSync('/etc/postgresql')[0];
}

/**
 * A relayer on its embedded database, crashed with kill -9 under load and started again on the
 * same directory. On Postgres the shared replicas step aside for it and come back afterwards.
 */
export const pgliteCrash: Fault = {
  name: 'PGlite crash and restart',
  async run(h, scale) {
    const shared = h.pool !== undefined;
    const standing = shared ? [...h.replicas] : [];
    let embedded = h.replicas[0]; // on PGlite the harness runs one
    if (shared) {
      for (const r of standing) await r.stop();
      const env = h.replicaEnv(0, { RELAYER_REPLICA_ID: 'embedded' });
      delete env.DATABASE_URL;
      delete env.DATABASE_SCHEMA;
      env.RELAYER_DATA_DIR = `${h.dir}/pglite-crash`;
      embedded = h.relayerProcess('embedded', env);
      h.replicas.splice(0, h.replicas.length, embedded);
      await embedded.start();
    }
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    for (let i = 0; i < scale.repeats; i++) {
      await sleep(1_000 + Math.random() * 1_500);
      out.inFlight += h.inFlight();
      await embedded.kill();
      out.injections += 1;
      await embedded.start(); // the same directory: its lock file names a dead process
    }
    out.notes.push(shared ? 'a PGlite relayer took over from the replicas, then handed back' : 'the only relayer');
    if (shared) {
      out.handBack = async () => {
        await embedded.stop();
        h.replicas.splice(0, h.replicas.length, ...standing);
        for (const r of standing) await r.start();
      };
    }
    return out;
  },
};

/**
 * Source-chain reorgs shallower than the confirmation depth: packets sent, seen by the relayer,
 * then taken back (anvil snapshot/revert) and replaced by others at the same nonces.
 */
export const reorgs: Fault = {
  name: `reorg (1-${CONFIRMATIONS - 1} blocks)`,
  async run(h, scale) {
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    let orphans = 0;
    for (let i = 0; i < scale.repeats; i++) {
      const src = h.eids[i % h.eids.length];
      const dst = pick(h.eids.filter((e) => e !== src));
      const depth = 1 + (i % (CONFIRMATIONS - 1));
      await h.pause(src);
      try {
        await h.withChain(src, async () => {
          // nothing but the orphans' own blocks is mined until the reorg, so they stay shallower
          // than the confirmations (the relayers' transactions to this chain wait in its pool)
          await h.rpc(src, 'evm_setAutomine', [false]);
          const snapshot = await h.rpc(src, 'evm_snapshot');
          const taken = [];
          for (let d = 0; d < depth; d++)
            taken.push(await h.sendNow(src, dst, toHex(`orphan ${i}.${d}`), 'delivered', 200_000n, true));
          // the relayer has seen them before the reorg
          const seenBy = Date.now() + 5_000;
          while (Date.now() < seenBy) {
            const views = await Promise.all(taken.map((t) => h.packet(t.guid)));
            if (views.every((v) => v !== undefined)) break;
            await sleep(50);
          }
          out.inFlight += h.inFlight();
          await h.rpc(src, 'evm_revert', [snapshot]);
          await h.rpc(src, 'evm_setAutomine', [true]);
          out.injections += 1;
          orphans += taken.length;
          for (let d = 0; d < depth; d++) await h.sendNow(src, dst, toHex(`in its place ${i}.${d}`), 'delivered');
          await h.rpc(src, 'anvil_mine', [toHex(CONFIRMATIONS)]);
        });
      } finally {
        await h.rpc(src, 'evm_setAutomine', [true]).catch(() => undefined); // already on unless it failed midway
        h.resume(src);
      }
      await sleep(1_000);
    }
    out.notes.push(`${orphans} packets reorged away after the relayer saw them`);
    return out;
  },
};

/** Receivers that cannot take their packet: one reverts, one runs out of gas, one burns all it gets. */
export const failingReceivers: Fault = {
  name: 'receiver reverts / out of gas / burns all gas',
  async run(h, scale) {
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    for (let i = 0; i < scale.repeats; i++) {
      const src = pick(h.eids);
      const dst = pick(h.eids.filter((e) => e !== src));
      out.inFlight += h.inFlight();
      await h.send(src, dst, toHex('revert'), 'dead');
      await h.send(src, dst, toHex('burn'), 'dead');
      await h.send(src, dst, toHex(`short of gas ${i}`), 'dead', 30_000n);
      out.injections += 3;
      await sleep(500);
    }
    out.notes.push('each must end dead with its reason, the packets around it delivered');
    return out;
  },
};

/**
 * A gas price spike on a destination: a relayer transaction broadcast at the old fee sits in the
 * pool while the base fee is held above it, until the relayer replaces it at the same nonce with
 * bumped fees. The chain mines a block a second meanwhile.
 */
export const gasSpike: Fault = {
  name: 'gas spike (stuck tx, fee bump)',
  unavailable: (h) => (h.pool ? undefined : 'needs the shared Postgres to watch the attempts'),
  async run(h, scale) {
    const eid = h.eids[1];
    const out: Injection = { injections: 0, inFlight: 0, notes: [] };
    const replaced: number[] = [];
    await h.pause(eid); // our own sends from it would be stuck too
    await h.rpc(eid, 'evm_setAutomine', [false]);
    await h.rpc(eid, 'evm_setIntervalMining', [1]);
    try {
      for (let i = 0; i < Math.max(1, scale.repeats / 2); i++) {
        const attempt = await h.pendingAttempt('', new Date(), 30_000, eid);
        if (!attempt) continue;
        out.inFlight += h.inFlight();
        const spike = attempt.fee * 3n;
        out.injections += 1;
        const deadline = Date.now() + 90_000;
        for (;;) {
          await h.rpc(eid, 'anvil_setNextBlockBaseFeePerGas', [toHex(spike)]);
          const settled = await h.attemptsAt(eid, attempt.sender, attempt.nonce);
          if ((settled.mined ?? 0) > 0 || Date.now() > deadline) {
            replaced.push(settled.replaced ?? 0);
            break;
          }
          await sleep(100);
        }
      }
    } finally {
      await h.rpc(eid, 'evm_setIntervalMining', [0]);
      await h.rpc(eid, 'evm_setAutomine', [true]);
      h.resume(eid);
    }
    out.notes.push(`base fee held at 3x the stuck fee; replacements per stuck tx: ${replaced.join(', ') || 'none'}`);
    return out;
  },
};
