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
  const stop = (code: number) => {
    relayer.close().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`relayer: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  // the embedded database cannot come back in this process: exit, and let the supervisor restart it
  void relayer.database.lost?.then((error) => {
    process.stderr.write(`relayer: ${error.message}\n`);
    setTimeout(() => process.exit(1), 10_000).unref();
    stop(1);
  });
} catch (error) {
  process.stderr.write(
    `relayer: ${error instanceof RelayerConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
