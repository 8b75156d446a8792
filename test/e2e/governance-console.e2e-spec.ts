import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { parseUnits, type Hex, type TypedDataDefinition } from 'viem';
import { devnetAccount } from '#app/devnet';
import { startGovernanceApp } from '../../apps/governance/src/governance.app.js';
import { loadGovernanceSettings } from '../../apps/governance/src/governance.config.js';
import type { RelayerApp } from '../../apps/relayer/src/relayer.app.js';
import { asset, seg, SegmentWorld } from '../support/segments.js';
import { startWorldRelayer } from '../support/services.js';

/** Debian's Chromium: CI installs it with `apt-get install -y chromium`. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type GovernanceApp = Awaited<ReturnType<typeof startGovernanceApp>>;

interface Running {
  w: SegmentWorld;
  relayer: RelayerApp;
  gov: GovernanceApp;
  context: BrowserContext;
  page: Page;
  /** anvil mines only on transactions: a block every 500 ms moves the clocks, as on real chains. */
  blocks: NodeJS.Timeout;
}

/** The typed data as the API sends it: viem's shape with the uint256/uint64 fields as decimal strings. */
interface WireTypedData {
  domain: Record<string, unknown>;
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  message: Record<string, unknown> & { nonce: string; deadline: string };
}

async function api<T>(gov: GovernanceApp, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${gov.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Runs a wait in the page; when it fails, says where the proposal stands in the API. */
async function explained<T>(gov: GovernanceApp, id: string, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const now = await fetch(`${gov.url}/api/proposals/${id}`)
      .then((res) => res.text())
      .catch((e: unknown) => String(e));
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nproposal ${id} in the API: ${now}`);
  }
}

/** Back to what viem signs: the decimal strings in the message become bigints again. */
function toSignable(typed: WireTypedData): TypedDataDefinition {
  return {
    ...typed,
    message: { ...typed.message, nonce: BigInt(typed.message.nonce), deadline: BigInt(typed.message.deadline) },
  } as unknown as TypedDataDefinition; // JSON cannot say which of viem's typed-data shapes it is: `types` does
}

describe('governance console in a real browser', () => {
  const r: Partial<Running> = {};
  const consoleErrors: string[] = [];
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'governance-console-'));
    const w = await SegmentWorld.start({ chains: 3, timelockSeconds: 3 });
    r.w = w;
    r.blocks = setInterval(
      () => void Promise.all(w.eids.map((eid) => w.rpc(eid, 'evm_mine'))).catch(() => undefined),
      500,
    );
    r.relayer = await startWorldRelayer(r.w);
    r.gov = await startGovernanceApp(
      loadGovernanceSettings({
        GOV_MANIFEST: r.w.devnet.manifestPath,
        GOV_DATA_DIR: join(tmp, 'governance-db'),
        GOV_HTTP_PORT: '0',
        GOV_POLL_MS: '250',
        GOV_RELAYER_URL: r.relayer.url,
      }),
      false,
    );
    r.context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    const page = r.context.pages()[0] ?? (await r.context.newPage());
    r.page = page;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  }, 300_000);

  afterAll(async () => {
    clearInterval(r.blocks);
    await r.context?.close();
    await r.gov?.close();
    await r.relayer?.close();
    await r.w?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('shows a createSegment proposal signed, executed and applied on every chain', async () => {
    const { gov, page } = r as Running;

    const response = await page.goto(`${gov.url}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    // the first poll has rendered: the existing devnet segments and the chains
    await page.waitForSelector('[data-testid="last-updated"][data-updated]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid^="segment-row-"]', { timeout: 30_000 });
    expect(await page.title()).toMatch(/governance console/i);

    const { id, typedData } = await api<{ id: string; typedData: WireTypedData }>(gov, 'POST', '/api/proposals', {
      action: 'createSegment',
      segment: 'link',
      borrowAsset: 'USDC',
      collaterals: [{ asset: 'WETH', ltvBps: 7000, liqThresholdBps: 7500, liqBonusBps: 500, supplyCap: '1000' }],
      borrowCap: '1000000',
      globalCapUsd: '5000000',
    });
    expect(id).toMatch(/^0x[0-9a-f]+$/i);
    const row = `[data-testid="proposal-${id}"]`;
    await page.waitForSelector(`${row}[data-status="pending"]`, { timeout: 30_000 });

    const signable = toSignable(typedData);
    for (const [k, governor] of (['governor1', 'governor2'] as const).entries()) {
      const signature: Hex = await devnetAccount(governor).signTypedData(signable);
      await api(gov, 'POST', `/api/proposals/${id}/signatures`, { signature });
      // the page counts the signature: "k/threshold", the devnet's threshold being 2 of its 3 governors
      await page.waitForSelector(`${row}[data-signature-count="${k + 1}"]`, { timeout: 30_000 });
      await expect(page.locator(row).textContent()).resolves.toContain(`${k + 1}/2`);
    }

    // executed after the 3 s timelock, then applied on the hub and, through the relayer, on both spokes
    await explained(
      gov,
      id,
      page.waitForSelector(`${row}[data-status="executed"][data-chain-count="3"][data-applied-count="3"]`, {
        timeout: 120_000,
      }),
    );
    await expect(page.locator(row).textContent()).resolves.toContain('applied 3/3');
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid="segment-row-link"] [data-testid^="cell-link-"][data-applied="true"]').length === 3`,
      undefined,
      { timeout: 120_000, polling: 250 },
    );
    const cells = page.locator('[data-testid="segment-row-link"] [data-testid^="cell-link-"]');
    expect(await cells.count()).toBe(3);
    for (const cell of await cells.all()) {
      await expect(cell.getAttribute('data-applied')).resolves.toBe('true');
      await expect(cell.textContent()).resolves.toContain('Active');
      // insurance in the borrow asset's units (0 USDC in a new segment), not raw base units
      await expect(cell.textContent()).resolves.toMatch(/insurance 0(\.0+)? USDC/);
    }

    // the other panels: the relayer's messages (the broadcast to the spokes among them), the new
    // segment's parameter chart, and the correlation note (no risk oracle in this test)
    expect(await page.locator('[data-testid="messages-table"]').isVisible()).toBe(true);
    await page.waitForSelector('[data-testid="messages-table"] tbody tr[data-stage]', { timeout: 30_000 });
    // (a flat line has no height, which Playwright counts as not visible: attached is what is meant)
    await page.waitForSelector('[data-testid="history-link"] svg polyline', { state: 'attached', timeout: 30_000 });
    await expect(page.locator('[data-testid="heatmap"]').textContent()).resolves.toMatch(/risk oracle not connected/i);
    expect(await page.locator('[data-testid="last-updated"]').textContent()).toMatch(/Updated \d/);
    expect(await page.locator('[data-testid="error-banner"]').isHidden()).toBe(true);

    const shot = join(tmp, 'governance-console.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    // GOV_CONSOLE_SCREENSHOT=<path.png> keeps a copy for a person to look at
    if (process.env.GOV_CONSOLE_SCREENSHOT) copyFileSync(shot, process.env.GOV_CONSOLE_SCREENSHOT);

    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('shows the routes panel: a route governance allowed, its bucket, limits and both ends', async () => {
    const { w, page } = r as Running;
    const [s1, s2] = w.eids.filter((e) => e !== w.hubEid) as [number, number];
    // allowed straight through the controller: the panel reads the routers, not the API's own proposals
    const { routeId } = await w.allowRoute({
      srcEid: s1,
      srcSegment: seg('weth'),
      dstEid: s2,
      dstSegment: seg('wbtc'),
      assetId: asset('USDC'),
      capacity: parseUnits('20000', 6),
      refillPerSecond: parseUnits('5', 6),
      maxUtilBps: 8_000,
      enabled: true,
    });
    const row = `[data-testid="route-row-${routeId}"]`;
    await page.waitForSelector(`${row}[data-enabled="true"][data-applied="true"]`, { timeout: 60_000 });
    const text = await page.locator(row).textContent();
    expect(text).toMatch(/weth @ .* → wbtc @ .* \(USDC\)/);
    expect(text).toContain('20,000 USDC / 20,000 USDC'); // the source bucket, full
    expect(text).toContain('refill 5 USDC/s');
    expect(text).toContain('max utilisation 80.0 %');
    const ends = page.locator(`${row} [data-testid^="route-end-${routeId}-"]`);
    expect(await ends.count()).toBe(2);
    for (const end of await ends.all()) {
      await expect(end.getAttribute('data-epoch')).resolves.toBe('1');
      await expect(end.getAttribute('data-enabled')).resolves.toBe('true');
    }
    await expect(page.locator('[data-testid="route-transfers-table"]').textContent()).resolves.toContain(
      'No transfers in flight.',
    );
    await expect(page.locator('[data-testid="routes-summary"]').getAttribute('data-conservation')).resolves.toBe(
      'true',
    );
    expect(consoleErrors).toEqual([]);
  }, 120_000);
});
