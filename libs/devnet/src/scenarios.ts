import { encodeFunctionData, type Address, type Hex } from 'viem';
import { createChainPublicClient, createChainWalletClient } from '#app/chains';
import { DevPriceFeed } from '#app/contracts';
import { seededRandom } from '#app/simulation';
import { devnetAccount } from './accounts.js';
import type { DevnetManifest } from './manifest.js';
import { chainConfigOf, DEVNET_ASSETS } from './segments.js';

/**
 * Price scenarios for the devnet: a calm, back-dated history followed by a live path, played on the
 * feeds of every chain at once. One step is one period of the risk oracle's price grid
 * (`RISK_PERIOD_SECONDS`); on the devnet a period stands for a day of the incident.
 */
export interface PriceScenario {
  name: string;
  description: string;
  /** the public incident the path follows (INCIDENTS.md) */
  source: string;
  /** leading steps written back-dated as history (the oracle's window needs them) */
  historySteps: number;
  /**
   * per symbol: the answer at each step (USD, 8 decimals, as the feeds answer); one length for all.
   * Flat paths matter too: the oracle only assesses an asset whose feed history covers its window
   * (a real feed's heartbeat gives it one).
   */
  paths: Readonly<Record<string, readonly bigint[]>>;
}

/** The devnet's price grid period: the risk oracle's default `RISK_PERIOD_SECONDS`. */
export const DEVNET_PRICE_PERIOD_SECONDS = 10;

/** Applies moves (bps per step) to a start answer: integer arithmetic, rounded down. */
function walk(start: bigint, moves: readonly number[]): bigint[] {
  const out = [start];
  for (const m of moves) out.push((out[out.length - 1] * BigInt(10_000 + m)) / 10_000n);
  return out;
}

/** `n` calm moves of at most ±`amplitude` bps, from a seeded generator. */
function calm(n: number, amplitude: number, seed: number): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: n }, () => Math.round((next() * 2 - 1) * amplitude));
}

const start = (symbol: string): bigint => {
  const a = DEVNET_ASSETS.find((x) => x.symbol === symbol);
  if (!a) throw new Error(`no devnet asset ${symbol}`);
  return a.price;
};

const HISTORY = 40;

export const SCENARIOS: readonly PriceScenario[] = [
  {
    name: 'crv-crash',
    description:
      'After a calm history CRV falls a third in one period, rebounds part of the way and sags again; WETH and WBTC stay calm.',
    source: 'Aave v2 CRV, 22 Nov 2022: CRV fell to about $0.40 from $0.60, then spiked above $0.60 within hours',
    historySteps: HISTORY,
    paths: {
      CRV: walk(start('CRV'), [...calm(HISTORY - 1, 150, 11), -3_300, 1_500, -900, -300, 0, 0]),
      USDC: walk(start('USDC'), new Array<number>(HISTORY + 5).fill(0)),
      WETH: walk(start('WETH'), calm(HISTORY + 5, 100, 12)),
      WBTC: walk(start('WBTC'), calm(HISTORY + 5, 80, 13)),
    },
  },
  {
    name: 'correlated-crash',
    description:
      'WETH, WBTC and CRV fall together for five periods after calm, independent histories: isolated segments that would all liquidate at once.',
    source: 'the failure mode of isolated pools when correlation goes to 1 (DESIGN.md §5)',
    historySteps: HISTORY,
    paths: {
      USDC: walk(start('USDC'), new Array<number>(HISTORY + 4).fill(0)),
      WETH: walk(start('WETH'), [...calm(HISTORY - 1, 60, 21), -900, -1_200, -800, -1_000, -600]),
      WBTC: walk(start('WBTC'), [...calm(HISTORY - 1, 60, 22), -800, -1_000, -700, -900, -500]),
      CRV: walk(start('CRV'), [...calm(HISTORY - 1, 60, 23), -1_400, -1_800, -1_200, -1_500, -900]),
    },
  },
];

export function scenarioByName(name: string): PriceScenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario "${name}" (known: ${SCENARIOS.map((x) => x.name).join(', ')})`);
  const lengths = new Set(Object.values(s.paths).map((p) => p.length));
  if (lengths.size !== 1) throw new Error(`scenario ${name}: paths of different lengths`);
  return s;
}

export interface PlayOptions {
  /** seconds per step; must match the oracle's RISK_PERIOD_SECONDS */
  periodSeconds?: number;
  /** false: skip the back-dated history and play only the live steps (a devnet that already has a history) */
  history?: boolean;
  /** false: write the history only (start the oracle after it, then play the live steps with `history: false`) */
  live?: boolean;
  log?: (line: string) => void;
  /** stops between live steps */
  signal?: AbortSignal;
  /** the clock (unix seconds); tests may pass the chain's */
  now?: () => number;
}

export interface PlayResult {
  steps: number;
  transactions: number;
  /** unix seconds of the last step's answers */
  lastUpdatedAt: number;
}

/**
 * Plays `scenario` on every chain's feeds: the history at once, each step stamped at the end of a
 * past period (`setAnswerAt`), then one live step per period, stamped as its period begins. The
 * feeds' owner (the devnet deployer) sends; every chain gets the same answers.
 */
export async function playScenario(
  manifest: DevnetManifest,
  scenario: PriceScenario,
  options: PlayOptions = {},
): Promise<PlayResult> {
  const period = options.periodSeconds ?? DEVNET_PRICE_PERIOD_SECONDS;
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const symbols = Object.keys(scenario.paths);
  const length = (scenario.paths[symbols[0] ?? ''] ?? []).length;
  const chains = manifest.chains.map((chain) => {
    const config = chainConfigOf(chain);
    const feeds = symbols.map((symbol) => {
      const feed = chain.contracts[`feed:${symbol}`];
      if (!feed) throw new Error(`${chain.name} has no feed for ${symbol}: deploy the segment stack first`);
      return { symbol, feed };
    });
    return {
      chain,
      feeds,
      client: createChainPublicClient(config),
      wallet: createChainWalletClient(config, devnetAccount('deployer')),
    };
  });
  let transactions = 0;
  /** Sends `steps` (answers stamped `at(step)`) on every chain in nonce order, then waits for them all. */
  const write = async (steps: readonly number[], at: (step: number) => number) => {
    await Promise.all(
      chains.map(async (c) => {
        const account = c.wallet.account;
        if (!account) throw new Error('the deployer wallet has no account');
        let nonce = await c.client.getTransactionCount({ address: account.address, blockTag: 'pending' });
        const hashes: Hex[] = [];
        for (const step of steps) {
          for (const { symbol, feed } of c.feeds) {
            const answer = scenario.paths[symbol]?.[step];
            if (answer !== undefined) hashes.push(await send(c.wallet, account, feed, answer, at(step), nonce++));
          }
        }
        for (const hash of hashes) {
          const receipt = await c.client.waitForTransactionReceipt({ hash });
          if (receipt.status !== 'success') throw new Error(`${c.chain.name}: setAnswerAt reverted in ${hash}`);
        }
        transactions += hashes.length;
      }),
    );
  };
  const live = Math.min(scenario.historySteps, length);
  if (options.history !== false && live > 0) {
    // stamped at the ends of the periods before the current one, oldest first
    const current = Math.floor(now() / period);
    log(`${scenario.name}: writing ${live} periods of history on ${chains.length} chains…`);
    await write(
      Array.from({ length: live }, (_, k) => k),
      (k) => (current - live + k + 1) * period - 1,
    );
  }
  if (options.live === false) return { steps: live, transactions, lastUpdatedAt: 0 };
  // live steps: one per period from the next period on, each stamped as its period begins
  const first = Math.floor(now() / period) + 1;
  let lastUpdatedAt = 0;
  for (let k = live; k < length; k++) {
    const at = (first + k - live) * period + 1;
    while (now() < at) {
      if (options.signal?.aborted) return { steps: k, transactions, lastUpdatedAt };
      await new Promise((r) => setTimeout(r, 100));
    }
    await write([k], () => at);
    lastUpdatedAt = at;
    log(
      `${scenario.name}: step ${k + 1}/${length}  ${symbols.map((s) => `${s} ${formatAnswer(scenario.paths[s]?.[k] ?? 0n)}`).join('  ')}`,
    );
  }
  return { steps: length, transactions, lastUpdatedAt };
}

async function send(
  wallet: ReturnType<typeof createChainWalletClient>,
  account: NonNullable<ReturnType<typeof createChainWalletClient>['account']>,
  feed: Address,
  answer: bigint,
  updatedAt: number,
  nonce: number,
): Promise<Hex> {
  return wallet.sendTransaction({
    account,
    chain: wallet.chain,
    to: feed,
    nonce,
    gas: 100_000n,
    data: encodeFunctionData({ abi: DevPriceFeed.abi, functionName: 'setAnswerAt', args: [answer, BigInt(updatedAt)] }),
  });
}

/** An 8-decimal answer as dollars: 60000000 → $0.6000. */
export function formatAnswer(answer: bigint): string {
  const whole = answer / 100_000_000n;
  const frac = (answer % 100_000_000n).toString().padStart(8, '0').slice(0, 4);
  return `$${whole}.${frac}`;
}
