import { SimulationError } from './errors.js';

/** 1e18: token amounts, prices (USD per whole token) and USD values are 18-decimal fixed point. */
export const WAD = 10n ** 18n;
export const BPS = 10_000n;

const DECIMAL = /^(\d+)(?:\.(\d{1,18}))?$/;

/** A non-negative decimal string ("0.61", "63600000") as an 18-decimal fixed-point bigint. */
export function parseWad(text: string, field: string): bigint {
  const m = DECIMAL.exec(text.replaceAll('_', ''));
  if (!m) throw new SimulationError('INVALID_SCENARIO', `${field}: "${text}" is not a decimal number (e.g. "0.61")`);
  return BigInt(m[1]) * WAD + BigInt((m[2] ?? '').padEnd(18, '0'));
}

export const mulWad = (a: bigint, b: bigint): bigint => (a * b) / WAD;

/** Rounds up: what a vault charges (repayments) never rounds in the payer's favour. */
export const divUp = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** USD (18 decimals) for people: "$1,234,567" (whole dollars), or with cents below $1,000. */
export function formatUsd(wad: bigint): string {
  const negative = wad < 0n;
  const abs = negative ? -wad : wad;
  const whole = abs / WAD;
  const text =
    whole < 1000n
      ? `${whole}.${((abs % WAD) / 10n ** 16n).toString().padStart(2, '0')}`
      : whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}$${text}`;
}

/**
 * A fixed-point value as a double, for statistics and chart coordinates only (never for money
 * arithmetic): exact to about 15 significant digits.
 */
export function toNumber(wad: bigint): number {
  return Number(wad / 10n ** 6n) / 1e12;
}

/** A ratio of two amounts in basis points (0 when the denominator is 0). */
export function ratioBps(part: bigint, whole: bigint): number {
  return whole === 0n ? 0 : Number((part * BPS) / whole);
}
