import { join } from 'node:path';
import { loadRelayerSettings } from '../../apps/relayer/src/relayer.config.js';
import { startRelayerApp, type RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import type { SegmentWorld } from './segments.js';

/**
 * The relayer in-process beside a SegmentWorld devnet, on its own embedded database next to the
 * manifest, polling fast, without the attestation keeper unless `env` turns it on.
 */
export function startWorldRelayer(w: SegmentWorld, env: Record<string, string> = {}): Promise<RelayerApp> {
  return startRelayerApp(
    loadRelayerSettings({
      RELAYER_MANIFEST: w.devnet.manifestPath,
      RELAYER_DATA_DIR: join(w.devnet.manifestPath, '..', 'relayer-db'),
      RELAYER_HTTP_PORT: '0',
      RELAYER_POLL_MS: '50',
      RELAYER_ATTEST_INTERVAL_MS: '0',
      ...env,
    }),
    false,
  );
}
