import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { DEFAULT_MANIFEST_PATH, deploySegmentStack, hubOf, startDevnet } from '#app/devnet';
import { out, untilSignal } from '../io.js';

/** dist/apps/cli/src/commands → dist/apps/<app>/src/main.js */
function appEntry(app: string): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', app, 'src', 'main.js');
}

interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startService(name: string, env: Record<string, string>): Service {
  const entry = appEntry(name);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (stream: NodeJS.ReadableStream | null, write: (s: string) => void) => {
    let buffer = '';
    stream?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, (s) => process.stdout.write(s));
  prefix(child.stderr, (s) => process.stderr.write(s));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { name, child, exited };
}

export function upCommand(): Command {
  return new Command('up')
    .description(
      'Start the whole system locally: a devnet (hub + spokes), the relayer, the risk oracle and the governance API with its console; runs until Ctrl-C.',
    )
    .option('--chains <n>', 'number of chains, hub included', (v) => Number(v), 3)
    .addOption(new Option('--manifest <path>', 'where the devnet manifest is written').default(DEFAULT_MANIFEST_PATH))
    .option('--data-dir <dir>', 'where the embedded databases live', '.data')
    .option('--relayer-port <port>', 'relayer HTTP port', '3100')
    .option('--risk-port <port>', 'risk oracle HTTP port', '3200')
    .option('--governance-port <port>', 'governance API and console HTTP port', '3300')
    .action(
      async (opts: {
        chains: number;
        manifest: string;
        dataDir: string;
        relayerPort: string;
        riskPort: string;
        governancePort: string;
      }) => {
        out(`starting a ${opts.chains}-chain devnet…`);
        const devnet = await startDevnet({
          chains: opts.chains,
          manifestPath: opts.manifest,
          // the services bind their ports only after the chains are up: no chain may take one
          reservedPorts: [opts.relayerPort, opts.riskPort, opts.governancePort].map(Number),
          log: (l) => (l.startsWith('  #') ? undefined : out(l)),
        });
        const services: Service[] = [];
        const stopAll = async () => {
          for (const s of services) if (s.child.exitCode === null) s.child.kill('SIGTERM');
          await Promise.all(services.map((s) => s.exited));
          await devnet.stop();
        };
        try {
          out('deploying the segment contracts and the demo segments…');
          await deploySegmentStack(devnet, { log: (l) => (l.startsWith('  #') ? undefined : out(l)) });
          services.push(
            startService('relayer', {
              RELAYER_MANIFEST: opts.manifest,
              RELAYER_DATA_DIR: join(opts.dataDir, 'relayer'),
              RELAYER_HTTP_PORT: opts.relayerPort,
            }),
            startService('risk-oracle', {
              RISK_MANIFEST: opts.manifest,
              RISK_DATA_DIR: join(opts.dataDir, 'risk-oracle'),
              RISK_HTTP_PORT: opts.riskPort,
            }),
            startService('governance', {
              GOV_MANIFEST: opts.manifest,
              GOV_DATA_DIR: join(opts.dataDir, 'governance'),
              GOV_HTTP_PORT: opts.governancePort,
              GOV_RELAYER_URL: `http://127.0.0.1:${opts.relayerPort}`,
              GOV_RISK_URL: `http://127.0.0.1:${opts.riskPort}`,
            }),
          );
          out(`manifest: ${devnet.manifestPath}`);
          for (const c of devnet.manifest.chains)
            out(`  ${c.name.padEnd(8)} eid ${c.eid}  chain id ${c.chainId}  ${c.rpcUrl}`);
          const hub = hubOf(devnet.manifest);
          out(`segments: controller ${hub.contracts.segmentController} on ${hub.name}; a SegmentVault on every chain`);
          out(`relayer:  http://127.0.0.1:${opts.relayerPort}  (/packets, /health, /ready, /metrics)`);
          out(
            `risk:     http://127.0.0.1:${opts.riskPort}  (/segments, /alerts, /proposals, /liquidations, /routing/plan, /health, /metrics)`,
          );
          out('          play a price path with `npm run segctl -- scenario play crv-crash`');
          out(`governance: http://127.0.0.1:${opts.governancePort}  (console; API under /api; OpenAPI at /docs)`);
          out('running — press Ctrl-C to stop');
          const reason = await Promise.race([
            untilSignal().then((s) => `received ${s}`),
            ...services.map((s) => s.exited.then((code) => `${s.name} exited with code ${code}`)),
          ]);
          out(`stopping (${reason})…`);
          if (!reason.startsWith('received')) process.exitCode = 1;
        } finally {
          await stopAll();
        }
        out('stopped: all services and chains shut down');
      },
    );
}
