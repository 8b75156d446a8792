import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { RelayerChain } from '../chains/relayer-chain.js';
import { Confirmer } from './confirmer.js';
import type { ClaimFilter, PacketStore } from './packet-store.js';

/** A store whose claims find nothing, counting them; a chain with 3 confirmations. */
function idle(): { store: PacketStore; claims: ClaimFilter[]; chain: RelayerChain } {
  const claims: ClaimFilter[] = [];
  const store = {
    claim: (filter: ClaimFilter) => {
      claims.push(filter);
      return Promise.resolve([]);
    },
    moveAll: () => Promise.resolve(new Set()),
  } as unknown as PacketStore; // the confirmer claims and moves only
  const chain = { eid: 40101, confirmations: 3 } as unknown as RelayerChain; // no block is read when nothing is claimed
  return { store, claims, chain };
}

describe('Confirmer on a quiet chain', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('claims once, then no more than once a second while nothing new is recorded', async () => {
    const { store, claims, chain } = idle();
    const confirmer = new Confirmer(store, 'a', 60_000, 500);
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now);
    for (let head = 100n; head < 110n; head++) await confirmer.tick(chain, head);
    expect(claims).toHaveLength(1);
    jest.spyOn(Date, 'now').mockReturnValue(now + 1_000);
    await confirmer.tick(chain, 110n);
    expect(claims).toHaveLength(2);
  });

  it('claims every round while packets it just recorded may still become deep enough', async () => {
    const { store, claims, chain } = idle();
    const confirmer = new Confirmer(store, 'a', 60_000, 500);
    jest.spyOn(Date, 'now').mockReturnValue(Date.now());
    await confirmer.tick(chain, 100n); // the first claim (found nothing)
    await confirmer.tick(chain, 101n, 101n); // recorded packets at head 101: deep enough by 103
    for (let head = 102n; head <= 106n; head++) await confirmer.tick(chain, head);
    // 101 (recorded), 102, 103 and 104 (up to the recording head + 3 confirmations); none after
    expect(claims.map((c) => c.maxSrcBlock)).toEqual([98n, 99n, 100n, 101n, 102n]);
  });
});
