import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  chainOutage,
  dbConnectionLoss,
  destinationRollback,
  failingReceivers,
  gasSpike,
  killMidDeliver,
  killMidVerify,
  killMidWrite,
  pgliteCrash,
  reorgs,
  SHORT,
} from '../chaos/faults.js';
import { ChaosHarness } from '../chaos/harness.js';
import { formatTable, runFaults } from '../chaos/suite.js';

// The short version of `npm run test:chaos`: the same harness and faults, fewer injections and
// shorter outages. With DATABASE_URL (CI) two replicas share Postgres and the database faults run;
// without it one relayer runs on PGlite and crashes instead.
const DATABASE_URL = process.env.DATABASE_URL;
const log = (line: string) => process.stdout.write(`${line}\n`);

describe('Chaos, short: under faults every packet ends delivered exactly once or dead with its reason, and no vault ledger is wrong', () => {
  let h: ChaosHarness;

  beforeAll(async () => {
    h = await ChaosHarness.start({ databaseUrl: DATABASE_URL, replicas: 2, rate: 6, vaultEveryMs: 1_000, log });
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
  });

  it(
    'loses and duplicates nothing across replica kills, outages, rollbacks, reorgs, failing receivers and fee spikes',
    async () => {
      const faults = DATABASE_URL
        ? [
            chainOutage, // first: its state travels through one RPC call, small early on
            killMidVerify,
            killMidDeliver,
            killMidWrite,
            dbConnectionLoss,
            destinationRollback,
            reorgs,
            failingReceivers,
            gasSpike,
          ]
        : [chainOutage, killMidVerify, pgliteCrash, destinationRollback, reorgs, failingReceivers];
      const result = await runFaults(h, faults, SHORT, log);
      for (const line of formatTable(result.rows)) log(line);

      expect(result.problems).toEqual([]);
      const faultRows = result.rows.filter((r) => faults.some((f) => f.name === r.fault));
      expect(faultRows.map((r) => r.fault)).toEqual(faults.map((f) => f.name));
      for (const row of result.rows) {
        // no vault ledger wrong after any phase: transfers landed once, epochs applied, attestations recorded
        expect({ fault: row.fault, lost: row.lost, duplicated: row.duplicated, ledgers: row.ledgers }).toEqual({
          fault: row.fault,
          lost: 0,
          duplicated: 0,
          ledgers: 'ok',
        });
      }
      for (const row of faultRows)
        expect({ fault: row.fault, struck: row.injections > 0 }).toEqual({ fault: row.fault, struck: true });
      // the receivers built to fail end dead (3 per injection round), and nothing else does
      const receivers = faultRows.find((r) => r.fault === failingReceivers.name);
      expect(receivers?.dead).toBe(3 * SHORT.repeats);
      expect(result.rows.filter((r) => r.fault !== failingReceivers.name).map((r) => r.dead)).toEqual(
        result.rows.filter((r) => r.fault !== failingReceivers.name).map(() => 0),
      );
      // the load kept flowing through every fault
      for (const row of result.rows) expect(row.deliveredOnce).toBeGreaterThan(0);
    },
    30 * 60_000,
  );
});
