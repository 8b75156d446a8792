import type { Hex } from 'viem';
import type { AssetRisk } from '#app/messaging';
import { invalid } from './errors.js';
import { bpsOf, unitValue, valueAt, type PriceSeries } from './units.js';

/** An asset as the risk computation sees it: its token decimals, its spot price and its history. */
export interface AssetMarket {
  assetId: Hex;
  decimals: number;
  /** spot price, USD 1e18 per whole token (the feed answer brought to 18 decimals) */
  price: bigint;
  history: PriceSeries;
}

/** One account of a segment's book: collateral per asset (token units, in the segment's collateral order) and debt. */
export interface BookAccount {
  id: string;
  collateral: readonly bigint[];
  /** debt in borrow-asset token units, interest included (the vault's `_debtOf`) */
  debt: bigint;
}

/**
 * A book valued at spot prices with the vault's rounding: every account's value of every collateral
 * asset is `mulDiv(amount, unitValue, 1e18)`, floored per account and asset as `SegmentVault._position`
 * floors it. Kept per account so headroom can be evaluated under several threshold sets without
 * revaluing.
 */
export interface BookValuation {
  assets: number;
  accounts: readonly BookAccount[];
  /** accounts × assets, account-major: USD 1e18 */
  values: bigint[];
  /** per account: USD 1e18 */
  debtValues: bigint[];
  /** per asset: Σ amounts (token units) and Σ values (USD 1e18) */
  collateralAmounts: bigint[];
  collateralValues: bigint[];
  debtAmount: bigint;
  debtValue: bigint;
  /** Σ collateralValues − debtValue (USD 1e18): the book's net value, whose change VaR measures */
  netValue: bigint;
}

export function valueBook(
  accounts: readonly BookAccount[],
  collaterals: readonly AssetMarket[],
  borrow: AssetMarket,
): BookValuation {
  const k = collaterals.length;
  const units = collaterals.map((c) => unitValue(c.price, c.decimals));
  const debtUnit = unitValue(borrow.price, borrow.decimals);
  const values = new Array<bigint>(accounts.length * k);
  const debtValues = new Array<bigint>(accounts.length);
  const collateralAmounts = new Array<bigint>(k).fill(0n);
  const collateralValues = new Array<bigint>(k).fill(0n);
  let debtAmount = 0n;
  let debtValue = 0n;
  for (let i = 0; i < accounts.length; i++) {
    const account = accounts[i];
    invalid(
      account.collateral.length !== k,
      () => `account ${account.id}: ${account.collateral.length} collateral amounts, not ${k}`,
    );
    for (let a = 0; a < k; a++) {
      const amount = account.collateral[a];
      invalid(amount < 0n, () => `account ${account.id}: negative collateral`);
      const v = amount === 0n ? 0n : valueAt(amount, units[a]);
      values[i * k + a] = v;
      collateralAmounts[a] = collateralAmounts[a] + amount;
      collateralValues[a] = collateralValues[a] + v;
    }
    invalid(account.debt < 0n, () => `account ${account.id}: negative debt`);
    const dv = account.debt === 0n ? 0n : valueAt(account.debt, debtUnit);
    debtValues[i] = dv;
    debtAmount += account.debt;
    debtValue += dv;
  }
  const totalCollateral = collateralValues.reduce((s, v) => s + v, 0n);
  return {
    assets: k,
    accounts,
    values,
    debtValues,
    collateralAmounts,
    collateralValues,
    debtAmount,
    debtValue,
    netValue: totalCollateral - debtValue,
  };
}

/** An account's position as `SegmentVault._position` computes it (USD 1e18). */
export interface AccountPosition {
  collateralValue: bigint;
  borrowLimit: bigint;
  liquidationValue: bigint;
  debtValue: bigint;
}

/**
 * The position of account `i` under `assets` (the risk params' per-asset LTV and threshold, in the
 * same order as the collateral): Σ mulDiv(value, ltvBps, 1e4) and Σ mulDiv(value, liqThresholdBps, 1e4).
 * (The vault also counts collateral of delisted assets at their last threshold; a book holds only
 * the listed ones.)
 */
export function accountPosition(book: BookValuation, i: number, assets: readonly AssetRisk[]): AccountPosition {
  invalid(assets.length !== book.assets, () => `${assets.length} asset params for ${book.assets} collateral assets`);
  let collateralValue = 0n;
  let borrowLimit = 0n;
  let liquidationValue = 0n;
  for (let a = 0; a < book.assets; a++) {
    const v = book.values[i * book.assets + a];
    if (v === 0n) continue;
    const risk = assets[a];
    collateralValue += v;
    borrowLimit += bpsOf(v, risk.ltvBps);
    liquidationValue += bpsOf(v, risk.liqThresholdBps);
  }
  return { collateralValue, borrowLimit, liquidationValue, debtValue: book.debtValues[i] };
}

/** Health factor as a float (∞ without debt): liquidation value / debt value; below 1 the account is liquidatable. */
export function healthFactor(p: AccountPosition): number {
  if (p.debtValue === 0n) return Number.POSITIVE_INFINITY;
  return Number(p.liquidationValue) / Number(p.debtValue);
}
