import { Command, InvalidArgumentError, Option } from 'commander';
import { createPublicClient, http } from 'viem';
import {
  DEFAULT_MANIFEST_PATH,
  deploySegmentStack,
  readManifest,
  startDevnet,
  stopDevnet,
  type Devnet,
} from '#app/devnet';
import { out, untilSignal } from '../io.js';

function chainCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 16) throw new InvalidArgumentError('a whole number from 2 to 16');
  return n;
}

interface DevnetUpOptions {
  chains: number;
  manifest: string;
  detach: boolean;
  dryRun: boolean;
  verbose: boolean;
  segments: boolean;
}

export function devnetCommand(): Command {
  const devnet = new Command('devnet').description(
    'Local multi-chain devnet: anvil chains with LayerZero v2 and our workers deployed.',
  );
  const manifestOption = () =>
    new Option('--manifest <path>', 'where the devnet manifest lives').default(DEFAULT_MANIFEST_PATH);

  devnet
    .command('up')
    .description(
      'Start N anvil chains (hub + spokes), deploy and wire everything, write the manifest; runs until Ctrl-C.',
    )
    .option('--chains <n>', 'number of chains, hub included', chainCount, 3)
    .addOption(manifestOption())
    .option(
      '--detach',
      'leave the chains running in the background and return (stop them with `segctl devnet down`)',
      false,
    )
    .option('--dry-run', 'print what would be sent to an already running devnet, send nothing', false)
    .option('--verbose', 'print every planned transaction', false)
    .option('--no-segments', 'deploy only the LayerZero stack, not the segment contracts and demo segments')
    .action(async (opts: DevnetUpOptions) => {
      const started = Date.now();
      out(`starting a ${opts.chains}-chain devnet…`);
      const showSteps = opts.verbose || opts.dryRun;
      const log = (line: string) => (showSteps || !line.startsWith('  #') ? out(line) : undefined);
      const net = await startDevnet({
        chains: opts.chains,
        manifestPath: opts.manifest,
        detached: opts.detach,
        dryRun: opts.dryRun,
        log,
      });
      try {
        if (opts.segments) await deploySegmentStack(net, { dryRun: opts.dryRun, log });
      } catch (error) {
        await net.stop();
        throw error;
      }
      if (opts.dryRun) return;
      printSummary(net, Date.now() - started);
      if (opts.detach || net.anvils.length === 0) {
        out(
          net.anvils.length === 0
            ? 'the devnet was already running; deployment checked'
            : 'detached: stop it with `segctl devnet down`',
        );
        return;
      }
      out('running — press Ctrl-C to stop');
      await untilSignal();
      out('stopping…');
      await net.stop();
      out('stopped: all chains shut down');
    });

  devnet
    .command('status')
    .description('Show the chains in the manifest and whether each one answers.')
    .addOption(manifestOption())
    .option('--json', 'print machine-readable JSON', false)
    .action(async (opts: { manifest: string; json: boolean }) => {
      const manifest = readManifest(opts.manifest);
      if (!manifest) {
        out(`no devnet: ${opts.manifest} does not exist (start one with \`segctl devnet up\`)`);
        process.exitCode = 1;
        return;
      }
      const rows = await Promise.all(
        manifest.chains.map(async (c) => {
          const client = createPublicClient({ transport: http(c.rpcUrl, { timeout: 2_000, retryCount: 0 }) });
          try {
            const [chainId, block, code] = await Promise.all([
              client.getChainId(),
              client.getBlockNumber(),
              client.getCode({ address: c.layerZero.endpoint }),
            ]);
            const ok = chainId === c.chainId && code !== undefined && code !== '0x';
            return {
              ...c,
              up: ok,
              block: block.toString(),
              problem: ok ? undefined : 'answers, but not with this devnet',
            };
          } catch {
            return { ...c, up: false, block: undefined, problem: 'not answering' };
          }
        }),
      );
      if (opts.json) {
        out(JSON.stringify({ manifest: opts.manifest, createdAt: manifest.createdAt, chains: rows }, null, 2));
      } else {
        out(`manifest ${opts.manifest} (created ${manifest.createdAt})`);
        for (const r of rows) {
          out(
            `  ${r.name.padEnd(8)} eid ${r.eid}  chain ${r.chainId}  ${r.rpcUrl.padEnd(24)} ${r.up ? `up, block ${r.block}` : `DOWN: ${r.problem}`}`,
          );
        }
      }
      if (rows.some((r) => !r.up)) process.exitCode = 1;
    });

  devnet
    .command('down')
    .description('Stop the chains recorded in the manifest and remove it.')
    .addOption(manifestOption())
    .action(async (opts: { manifest: string }) => {
      const stopped = await stopDevnet(opts.manifest, out);
      out(stopped === 0 ? 'no running devnet chains found' : `stopped ${stopped} chain(s)`);
    });
  return devnet;
}

function printSummary(net: Devnet, ms: number): void {
  out(`devnet ready in ${(ms / 1000).toFixed(1)} s`);
  out(`manifest: ${net.manifestPath}`);
  for (const c of net.manifest.chains) {
    out(`  ${c.name.padEnd(8)} eid ${c.eid}  chain id ${c.chainId}  ${c.rpcUrl}  endpoint ${c.layerZero.endpoint}`);
  }
}
