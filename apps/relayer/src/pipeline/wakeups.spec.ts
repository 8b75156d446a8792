import { describe, expect, it } from '@jest/globals';
import { Wakeups } from './wakeups.js';

/** How long `sleep` took to end, in ms. */
async function timed(sleep: Promise<void>): Promise<number> {
  const started = performance.now();
  await sleep;
  return performance.now() - started;
}

describe('Wakeups', () => {
  it('ends a sleep after its interval when nothing wakes it', async () => {
    expect(await timed(new Wakeups().sleep(60, 'verify:40102'))).toBeGreaterThanOrEqual(55);
  });

  it('ends a sleep at once when its key is woken, and only that one', async () => {
    const wakeups = new Wakeups();
    let other = false;
    void wakeups.sleep(5_000, 'deliver:40102').then(() => (other = true));
    const sleeping = timed(wakeups.sleep(5_000, 'verify:40102'));
    wakeups.wake('verify:40102');
    expect(await sleeping).toBeLessThan(1_000);
    expect(other).toBe(false);
    wakeups.wakeAll();
  });

  it('keeps a wake that comes while the loop is busy: its next sleep ends at once, the one after does not', async () => {
    const wakeups = new Wakeups();
    wakeups.wake('verify:40102'); // work handed over during a round
    expect(await timed(wakeups.sleep(5_000, 'verify:40102'))).toBeLessThan(1_000);
    expect(await timed(wakeups.sleep(60, 'verify:40102'))).toBeGreaterThanOrEqual(55);
  });

  it('ends every sleep when the pipeline stops, and forgets kept wakes', async () => {
    const wakeups = new Wakeups();
    wakeups.wake('deliver:40103');
    const sleeps = [wakeups.sleep(5_000, 'verify:40102'), wakeups.sleep(5_000)].map(timed);
    wakeups.wakeAll();
    for (const ms of await Promise.all(sleeps)) expect(ms).toBeLessThan(1_000);
    expect(await timed(wakeups.sleep(60, 'deliver:40103'))).toBeGreaterThanOrEqual(55);
  });
});
