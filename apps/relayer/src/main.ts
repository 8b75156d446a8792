#!/usr/bin/env node
import { loadRelayerSettings, RelayerConfigError } from './relayer.config.js';
import { startRelayerApp } from './relayer.app.js';

/** The relayer as its own process: `node dist/apps/relayer/src/main.js` (settings from the environment). */
try {
  const settings = loadRelayerSettings(process.env);
  const relayer = await startRelayerApp(settings);
  process.stdout.write(
    `${JSON.stringify({ level: 'log', context: 'Relayer', message: { at: 'Relayer#listen', url: relayer.url } })}\n`,
  );
  const stop = () => {
    relayer.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`relayer: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(
    `relayer: ${error instanceof RelayerConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
