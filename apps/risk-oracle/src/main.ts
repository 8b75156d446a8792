#!/usr/bin/env node
import { loadRiskOracleSettings, RiskOracleConfigError } from './risk-oracle.config.js';
import { startRiskOracleApp } from './risk-oracle.app.js';

/** The risk oracle as its own process: `node dist/apps/risk-oracle/src/main.js` (settings from the environment). */
try {
  const settings = loadRiskOracleSettings(process.env);
  const oracle = await startRiskOracleApp(settings);
  process.stdout.write(
    `${JSON.stringify({ level: 'log', context: 'RiskOracle', message: { at: 'RiskOracle#listen', url: oracle.url } })}\n`,
  );
  const stop = (code: number) => {
    oracle.close().then(
      () => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`risk-oracle: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  // the embedded database cannot come back in this process: exit, and let the supervisor restart it
  void oracle.database.lost?.then((error) => {
    process.stderr.write(`risk-oracle: ${error.message}\n`);
    setTimeout(() => process.exit(1), 10_000).unref();
    stop(1);
  });
} catch (error) {
  process.stderr.write(
    `risk-oracle: ${error instanceof RiskOracleConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
