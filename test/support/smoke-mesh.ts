import type { Address } from 'viem';
import { SmokeOApp } from '#app/contracts';
import type { ManualRelay } from '#app/devnet';
import { addressToBytes32 } from '#app/messaging';

/** SmokeOApps on every chain, peered on every pathway (hub ↔ spokes by deploySmokeOApps, spokes ↔ spokes here). */
export async function deploySmokeMesh(relay: ManualRelay): Promise<Map<number, Address>> {
  const apps = await relay.deploySmokeOApps();
  const spokes = relay.devnet.manifest.chains.filter((c) => c.role === 'spoke').map((c) => c.eid);
  for (const a of spokes) {
    for (const b of spokes.filter((e) => e !== a)) {
      const app = apps.get(a) as Address; // deployed on every eid
      const peer = apps.get(b) as Address;
      await relay.confirm(
        a,
        relay.wallet(a).writeContract({
          address: app,
          abi: SmokeOApp.abi,
          functionName: 'setPeer',
          args: [b, addressToBytes32(peer)],
        }),
      );
    }
  }
  return apps;
}
