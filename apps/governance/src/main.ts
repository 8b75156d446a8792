#!/usr/bin/env node
import { GovernanceConfigError, loadGovernanceSettings } from './governance.config.js';
import { startGovernanceApp } from './governance.app.js';

/** The governance API and console as its own process: `node dist/apps/governance/src/main.js`. */
try {
  const settings = loadGovernanceSettings(process.env);
  const governance = await startGovernanceApp(settings);
  process.stdout.write(
    `${JSON.stringify({ level: 'log', context: 'Governance', message: { at: 'Governance#listen', url: governance.url } })}\n`,
  );
  const stop = (code: number) => {
    governance.close().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`governance: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  // the embedded database cannot come back in this process: exit, and let the supervisor restart it
  void governance.database.lost?.then((error) => {
    process.stderr.write(`governance: ${error.message}\n`);
    setTimeout(() => process.exit(1), 10_000).unref();
    stop(1);
  });
} catch (error) {
  process.stderr.write(
    `governance: ${error instanceof GovernanceConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
