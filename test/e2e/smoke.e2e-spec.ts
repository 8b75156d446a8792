import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runSmoke, startDevnet, type Devnet } from '#app/devnet';

describe('Smoke.roundTrip', () => {
  let devnet: Devnet;
  beforeAll(async () => {
    devnet = await startDevnet({ chains: 3, writeManifest: false, reuse: false });
  });
  afterAll(async () => {
    await devnet?.stop();
  });

  it('carries one message hub → each spoke and each spoke → hub through the real endpoints, byte for byte', async () => {
    const result = await runSmoke(devnet);
    expect(result.lines).toHaveLength(4);
    expect(result.lines.filter((l) => l.startsWith('ok'))).toHaveLength(4);
    expect(result).toMatchObject({ delivered: 4, expected: 4 });
  });
});
