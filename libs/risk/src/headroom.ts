import type { AssetRisk } from '#app/messaging';
import { accountPosition, type BookValuation } from './book.js';
import { invalid } from './errors.js';
import { BPS, BPS_N } from './units.js';

/**
 * Liquidation headroom of a book: how much of it sits close to its liquidation threshold.
 *
 * Health factor h = liquidation value / debt value, with liquidation value = Σ value × liqThresholdBps
 * / 1e4 per asset as the vault floors it; h < 1 is liquidatable (`SegmentVault.liquidate` refuses
 * `liquidationValue >= debtValue`). An account is *within the margin* when h < 1 + marginBps/1e4 —
 * its health factor is within x % of the threshold — liquidatable ones included. Accounts without
 * debt have h = ∞ and never count. Compared in bigint: liq·1e4 < debt·(1e4 + margin), exactly.
 */
export interface Headroom {
  marginBps: number;
  /** accounts in the book, and those with debt */
  accounts: number;
  borrowers: number;
  /** accounts with h < 1 + margin (liquidatable included), and with h < 1 */
  withinMarginAccounts: number;
  liquidatableAccounts: number;
  /** collateral value (USD 1e18) of the whole book, of the accounts within the margin, of the liquidatable */
  collateralValue: bigint;
  withinMarginValue: bigint;
  liquidatableValue: bigint;
  /** withinMarginValue / collateralValue in bps, rounded up (0 for an empty book) */
  withinMarginShareBps: number;
  liquidatableShareBps: number;
}

export function liquidationHeadroom(book: BookValuation, assets: readonly AssetRisk[], marginBps: number): Headroom {
  invalid(!Number.isInteger(marginBps) || marginBps < 0, () => `marginBps ${marginBps} must be a non-negative integer`);
  const margin = BPS_N + BigInt(marginBps);
  let borrowers = 0;
  let withinMarginAccounts = 0;
  let liquidatableAccounts = 0;
  let collateralValue = 0n;
  let withinMarginValue = 0n;
  let liquidatableValue = 0n;
  for (let i = 0; i < book.accounts.length; i++) {
    const p = accountPosition(book, i, assets);
    collateralValue += p.collateralValue;
    if (p.debtValue === 0n) continue;
    borrowers++;
    if (p.liquidationValue * BPS_N >= p.debtValue * margin) continue;
    withinMarginAccounts++;
    withinMarginValue += p.collateralValue;
    if (p.liquidationValue >= p.debtValue) continue;
    liquidatableAccounts++;
    liquidatableValue += p.collateralValue;
  }
  return {
    marginBps,
    accounts: book.accounts.length,
    borrowers,
    withinMarginAccounts,
    liquidatableAccounts,
    collateralValue,
    withinMarginValue,
    liquidatableValue,
    withinMarginShareBps: shareBpsUp(withinMarginValue, collateralValue),
    liquidatableShareBps: shareBpsUp(liquidatableValue, collateralValue),
  };
}

/** part / whole in bps, rounded up; 0 when whole is 0. */
export function shareBpsUp(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0;
  return Math.min(BPS, Number((part * BPS_N + whole - 1n) / whole));
}
