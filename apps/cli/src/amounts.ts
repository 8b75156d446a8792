import { formatUnits } from 'viem';

/**
 * `2500.5` in whole units → base units of a token with `decimals`, through strings only (never a
 * `number`, which would round large or fine amounts). More decimals than the token has is an error.
 */
export function parseAmount(text: string, decimals: number): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`"${text}" is not an amount: write it in whole units, e.g. 2500.5`);
  const fraction = m[2] ?? '';
  if (fraction.length > decimals)
    throw new Error(`"${text}" has ${fraction.length} decimals; the asset has ${decimals}`);
  return BigInt(`${m[1] ?? '0'}${fraction.padEnd(decimals, '0')}`);
}

/** Base units → `3,499.5 USDC` (thousands separated, no trailing zeros). */
export function formatAmount(value: bigint, decimals: number, symbol: string): string {
  const [whole = '0', fraction] = formatUnits(value, decimals).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''} ${symbol}`;
}
