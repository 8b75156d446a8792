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
  const stop = () => {
    governance.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`governance: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(
    `governance: ${error instanceof GovernanceConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
