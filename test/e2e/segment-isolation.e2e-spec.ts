import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runIsolationCampaign } from '../property/isolation.js';
import { SegmentWorld } from '../support/segments.js';

const OPS = 2_000;
// a fixed default keeps `npm test` reproducible; FUZZ_SEED replays another campaign
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_125);

describe('Segments.isolation', () => {
  let w: SegmentWorld;
  beforeAll(async () => {
    w = await SegmentWorld.start({ chains: 2 });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it(`keeps every invariant over ${OPS} random operations (seed ${SEED})`, async () => {
    const result = await runIsolationCampaign(w, { ops: OPS, seed: SEED });
    process.stdout.write(
      `Segments.isolation: seed ${result.seed}, ${result.ops} steps (${result.succeeded} succeeded) in ${result.seconds.toFixed(1)} s; refused: ${JSON.stringify(result.reverted)}\n`,
    );
    expect(result.ops).toBe(OPS);
    // the campaign must mostly do things, not mostly be refused
    expect(result.succeeded).toBeGreaterThan(OPS / 2);
  }, 600_000);
});
