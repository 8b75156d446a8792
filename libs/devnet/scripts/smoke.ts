/**
 * `npm run devnet:smoke`: starts a fresh 3-chain devnet (its own manifest under .data/smoke, so a
 * running `npm start` devnet is left alone), sends hub → each spoke and each spoke → hub through
 * the real LayerZero v2 endpoints, verifies through our DVN with the signer quorum, commits and
 * executes, then prints `delivered n/m`. Exits non-zero unless every message arrived intact.
 */
import { runSmoke, startDevnet } from '#app/devnet';

const log = (line: string) => process.stdout.write(`${line}\n`);
const devnet = await startDevnet({
  chains: 3,
  manifestPath: '.data/smoke/manifest.json',
  reuse: false,
  log: () => undefined,
});
try {
  for (const c of devnet.manifest.chains) log(`${c.name}: eid ${c.eid}, chain id ${c.chainId}, ${c.rpcUrl}`);
  const result = await runSmoke(devnet, log);
  log(`delivered ${result.delivered}/${result.expected}`);
  if (result.delivered !== result.expected) process.exitCode = 1;
} catch (error) {
  process.stderr.write(`smoke failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await devnet.stop();
}
