import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  encodeFunctionData,
  maxUint256,
  type ContractEventName,
  parseEther,
  parseEventLogs,
  parseUnits,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from 'viem';
import { DevPriceFeed, SegmentController, SegmentVault } from '#app/contracts';
import { DEVNET_RATES, DEVNET_SEGMENTS, devnetRiskParams } from '#app/devnet';
import { encodeStatus, ProposalAction, SegmentStatus } from '#app/messaging';
import { asset, revertName, seg, SegmentWorld, user } from '../support/segments.js';

/**
 * The hub vault, one behaviour at a time, on the 'weth' segment (WETH collateral, LTV 80 %,
 * threshold 85 %, bonus 5 %, USDC debt). Every test starts from the same anvil snapshot: a lender
 * has supplied 100,000 USDC, a borrower holds 10 WETH ($30,000) as collateral in sub-account 0.
 *
 * The hub's clock is frozen (anvil block-timestamp interval 0): every block carries the same
 * timestamp until a test moves it with `advance`, so no interest creeps in between two calls and
 * every amount below is exact, to the wei.
 */

const usdc = (n: string) => parseUnits(n, 6);
const usd = (n: string) => parseEther(n); // vault USD values carry 18 decimals
const price8 = (n: number) => BigInt(n) * 100_000_000n; // feeds answer with 8 decimals
const WETH = asset('WETH');
const weth = seg('weth');
const RAY = 10n ** 27n;
const BPS = 10_000n;
const YEAR = 365n * 86_400n;
const VIRTUAL_SHARES = 1_000_000n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

interface Ledger {
  cash: bigint;
  insurance: bigint;
  badDebt: bigint;
  supplyShares: bigint;
  debtShares: bigint;
  borrowIndex: bigint;
  lastAccrual: bigint;
  accounts: number;
}

interface Position {
  borrowLimit: bigint;
  liquidationValue: bigint;
  debtValue: bigint;
  hasCollateral: boolean;
}

/** The devnet's kinked rate model (base 0, slope1 400, kink 8,000, slope2 7,500), from first principles. */
function kinkedRateBps(borrowed: bigint, available: bigint): bigint {
  const { baseBps, slope1Bps, kinkBps, slope2Bps } = DEVNET_RATES;
  const total = borrowed + available;
  const u = total === 0n ? 0n : (borrowed * BPS) / total;
  const kink = BigInt(kinkBps);
  if (u <= kink) return BigInt(baseBps) + (BigInt(slope1Bps) * u) / kink;
  return BigInt(baseBps) + BigInt(slope1Bps) + ((u - kink) * BigInt(slope2Bps)) / (BPS - kink);
}

/** Exactly one event of a kind in a receipt. */
function one<T>(events: readonly T[]): T {
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event === undefined) throw new Error('no event');
  return event;
}

const events = <N extends ContractEventName<typeof SegmentVault.abi>>(receipt: TransactionReceipt, eventName: N) =>
  parseEventLogs({ abi: SegmentVault.abi, eventName, logs: receipt.logs });

let w: SegmentWorld;
let hub: number;
let snapshot: string;
const lender = user(0);
const borrower = user(1);
const other = user(2);
const liquidator = user(3);
const stranger = user(4);

const call = (who: LocalAccount, fn: string, args: readonly unknown[]) => w.vaultCall(hub, who, fn, args);
const read = <T>(fn: string, args: readonly unknown[]) => w.readVault<T>(hub, fn, args);
const ledger = () => read<Ledger>('ledger', [weth]);
const debtOf = (owner: LocalAccount, sub = 0) => read<bigint>('debtOf', [weth, owner.address, sub]);
const positionOf = (owner: LocalAccount, sub = 0) => read<Position>('position', [weth, owner.address, sub]);
const sharesOf = (holder: LocalAccount) => read<bigint>('supplySharesOf', [weth, holder.address]);
const collateralOf = async (owner: LocalAccount, sub = 0) =>
  read<bigint>('collateralOf', [await read<Hex>('accountKey', [weth, owner.address, sub]), WETH]);
const usdcOf = (who: LocalAccount) => w.balanceOf(hub, 'USDC', who.address);
const wethOf = (who: LocalAccount) => w.balanceOf(hub, 'WETH', who.address);
const setStatus = (status: number) => w.govern({ action: ProposalAction.SetStatus, segment: weth, status });
const now = async () => (await w.client(hub).getBlock()).timestamp;
/** Moves the frozen hub clock forward by `seconds` (one empty block at the new time). */
const advance = async (seconds: bigint) => {
  await w.rpc(hub, 'evm_mine', [Number((await now()) + seconds)]);
};

beforeAll(async () => {
  w = await SegmentWorld.start();
  hub = w.hubEid;
  await w.rpc(hub, 'anvil_setBlockTimestampInterval', [0]);
  for (const u of [lender, borrower, other, liquidator]) await w.fund(hub, u, 'USDC', usdc('1000000'));
  for (const u of [borrower, other]) await w.fund(hub, u, 'WETH', parseEther('100'));
  await call(lender, 'supply', [weth, usdc('100000'), lender.address]);
  await call(borrower, 'depositCollateral', [weth, 0, WETH, parseEther('10')]);
});
afterAll(async () => {
  await w?.stop();
});
beforeEach(async () => {
  snapshot = (await w.rpc(hub, 'evm_snapshot')) as string; // anvil answers a snapshot id (hex string)
});
afterEach(async () => {
  await w.rpc(hub, 'evm_revert', [snapshot]);
});

describe('SegmentVault.supply', () => {
  it('mints shares at the virtual-share price and credits them to onBehalf', async () => {
    // the first supply: 1e6 virtual shares per unit against an empty segment
    expect(await sharesOf(lender)).toBe(usdc('100000') * VIRTUAL_SHARES);
    const before = await ledger();
    const receipt = await call(other, 'supply', [weth, usdc('5000'), stranger.address]);
    // 5,000e6 × (1e17 + 1e6) / (100,000e6 + 1) = 5e15 exactly: the price has not moved
    const shares = 5_000_000_000_000_000n;
    expect(one(events(receipt, 'Supplied')).args).toEqual({
      segment: weth,
      supplier: stranger.address,
      amount: usdc('5000'),
      shares,
    });
    expect(await sharesOf(stranger)).toBe(shares);
    expect(await sharesOf(other)).toBe(0n);
    const after = await ledger();
    expect(after.cash - before.cash).toBe(usdc('5000'));
    expect(after.supplyShares - before.supplyShares).toBe(shares);
    expect(await read<bigint>('supplierAssets', [weth])).toBe(usdc('105000'));
    expect(await usdcOf(other)).toBe(usdc('995000'));
  });

  it('refuses nothing and an unknown segment', async () => {
    expect(await revertName(call(other, 'supply', [weth, 0n, other.address]))).toBe('ZeroAmount');
    expect(await revertName(call(other, 'supply', [seg('nope'), usdc('1'), other.address]))).toBe('SegmentNotFound');
  });
});

describe('SegmentVault.withdraw', () => {
  it('redeems part of the shares at the share price', async () => {
    const receipt = await call(lender, 'withdraw', [weth, 25_000_000_000_000_000n, other.address]);
    // 2.5e16 × (100,000e6 + 1) / (1e17 + 1e6) = 25,000e6 exactly
    expect(one(events(receipt, 'Withdrawn')).args.amount).toBe(usdc('25000'));
    expect(await usdcOf(other)).toBe(usdc('1025000'));
    expect(await sharesOf(lender)).toBe(75_000_000_000_000_000n);
    expect((await ledger()).cash).toBe(usdc('75000'));
  });

  it('redeems every share with max (2**256 - 1), to the wei of what was supplied', async () => {
    const before = await usdcOf(lender);
    const receipt = await call(lender, 'withdraw', [weth, maxUint256, lender.address]);
    expect(one(events(receipt, 'Withdrawn')).args.shares).toBe(usdc('100000') * VIRTUAL_SHARES);
    expect((await usdcOf(lender)) - before).toBe(usdc('100000'));
    expect(await sharesOf(lender)).toBe(0n);
    const l = await ledger();
    expect({ cash: l.cash, supplyShares: l.supplyShares }).toEqual({ cash: 0n, supplyShares: 0n });
    // nothing left to redeem: max means zero shares
    expect(await revertName(call(lender, 'withdraw', [weth, maxUint256, lender.address]))).toBe('ZeroAmount');
  });

  it('refuses zero shares, more shares than held, and more than the idle cash', async () => {
    const shares = await sharesOf(lender);
    expect(await revertName(call(lender, 'withdraw', [weth, 0n, lender.address]))).toBe('ZeroAmount');
    expect(await revertName(call(lender, 'withdraw', [weth, shares + 1n, lender.address]))).toBe('InsufficientShares');
    expect(await revertName(call(stranger, 'withdraw', [weth, 1n, stranger.address]))).toBe('InsufficientShares');
    await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
    expect(await revertName(call(lender, 'withdraw', [weth, shares, lender.address]))).toBe('InsufficientLiquidity');
    // what is idle still comes out: 80,000 of the 100,000
    await call(lender, 'withdraw', [weth, shares - shares / 5n, lender.address]);
    expect((await ledger()).cash).toBe(0n);
  });
});

describe('SegmentVault.depositCollateral', () => {
  it('credits the account and the segment, opens the account, and prices it', async () => {
    expect(await collateralOf(borrower)).toBe(parseEther('10'));
    // 10 WETH at $3,000: limit 80 %, liquidation value 85 %
    expect(await positionOf(borrower)).toEqual({
      borrowLimit: usd('24000'),
      liquidationValue: usd('25500'),
      debtValue: 0n,
      hasCollateral: true,
    });
    const accounts = (await ledger()).accounts;
    const receipt = await call(other, 'depositCollateral', [weth, 7, WETH, parseEther('2')]);
    expect(one(events(receipt, 'CollateralDeposited')).args).toEqual({
      segment: weth,
      owner: other.address,
      sub: 7n,
      assetId: WETH,
      amount: parseEther('2'),
    });
    await call(other, 'depositCollateral', [weth, 7, WETH, parseEther('1')]);
    expect(await collateralOf(other, 7)).toBe(parseEther('3'));
    expect((await ledger()).accounts).toBe(accounts + 1); // one account, however many deposits
    expect((await read<{ deposited: bigint }>('collateralConfig', [weth, WETH])).deposited).toBe(parseEther('13'));
    expect(await wethOf(other)).toBe(parseEther('97'));
  });

  it('refuses nothing, an asset the segment does not list, and the supply cap', async () => {
    expect(await revertName(call(other, 'depositCollateral', [weth, 0, WETH, 0n]))).toBe('ZeroAmount');
    expect(await revertName(call(other, 'depositCollateral', [weth, 0, asset('CRV'), 1n]))).toBe('AssetNotListed');
    await w.fund(hub, other, 'WETH', parseEther('100000'));
    // 10 WETH are in already; the cap is 100,000: 99,990 fits, one wei more does not
    expect(await revertName(call(other, 'depositCollateral', [weth, 0, WETH, parseEther('99990') + 1n]))).toBe(
      'SupplyCapExceeded',
    );
    await call(other, 'depositCollateral', [weth, 0, WETH, parseEther('99990')]);
    expect(await revertName(call(other, 'depositCollateral', [weth, 1, WETH, 1n]))).toBe('SupplyCapExceeded');
  });
});

describe('SegmentVault.withdrawCollateral', () => {
  it('returns collateral and closes the account once it is empty', async () => {
    const accounts = (await ledger()).accounts;
    const receipt = await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('4'), other.address]);
    expect(one(events(receipt, 'CollateralWithdrawn')).args).toEqual({
      segment: weth,
      owner: borrower.address,
      sub: 0n,
      assetId: WETH,
      amount: parseEther('4'),
    });
    expect(await wethOf(other)).toBe(parseEther('104'));
    expect((await ledger()).accounts).toBe(accounts);
    await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('6'), borrower.address]);
    expect(await collateralOf(borrower)).toBe(0n);
    expect((await ledger()).accounts).toBe(accounts - 1);
    expect((await read<{ deposited: bigint }>('collateralConfig', [weth, WETH])).deposited).toBe(0n);
  });

  it('keeps the borrow limit: refuses what would leave the debt uncovered, and more than is held', async () => {
    // 12,000 borrowed: 5 WETH ($12,000 of limit) must stay
    await call(borrower, 'borrow', [weth, 0, usdc('12000'), borrower.address]);
    expect(
      await revertName(call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('5') + 1n, borrower.address])),
    ).toBe('Undercollateralised');
    await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('5'), borrower.address]);
    expect(await positionOf(borrower)).toEqual({
      borrowLimit: usd('12000'),
      liquidationValue: usd('12750'),
      debtValue: usd('12000'),
      hasCollateral: true,
    });
    expect(
      await revertName(call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('5') + 1n, borrower.address])),
    ).toBe('InsufficientCollateral');
    expect(await revertName(call(borrower, 'withdrawCollateral', [weth, 0, WETH, 0n, borrower.address]))).toBe(
      'ZeroAmount',
    );
  });
});

describe('SegmentVault.borrow', () => {
  it('lends the borrow asset against collateral, to any address, up to the limit exactly', async () => {
    const receipt = await call(borrower, 'borrow', [weth, 0, usdc('12000'), other.address]);
    // index 1 RAY: one debt share per unit
    expect(one(events(receipt, 'Borrowed')).args).toEqual({
      segment: weth,
      owner: borrower.address,
      sub: 0n,
      amount: usdc('12000'),
      shares: usdc('12000'),
    });
    expect(await usdcOf(other)).toBe(usdc('1012000'));
    expect(await debtOf(borrower)).toBe(usdc('12000'));
    expect(await read<bigint>('totalBorrowed', [weth])).toBe(usdc('12000'));
    expect((await ledger()).cash).toBe(usdc('88000'));
    // the rest of the $24,000 limit, to the unit, then not one more
    await call(borrower, 'borrow', [weth, 0, usdc('12000'), borrower.address]);
    expect((await positionOf(borrower)).debtValue).toBe(usd('24000'));
    expect(await revertName(call(borrower, 'borrow', [weth, 0, 1n, borrower.address]))).toBe('Undercollateralised');
    expect(await revertName(call(borrower, 'borrow', [weth, 0, 0n, borrower.address]))).toBe('ZeroAmount');
  });

  it('refuses more than the idle cash and more than the borrow cap', async () => {
    await call(other, 'depositCollateral', [weth, 0, WETH, parseEther('100')]); // a $240,000 limit
    expect(await revertName(call(other, 'borrow', [weth, 0, usdc('100000') + 1n, other.address]))).toBe(
      'InsufficientLiquidity',
    );
    const wethSegment = DEVNET_SEGMENTS.find((x) => x.name === 'weth');
    if (!wethSegment) throw new Error('the devnet has a weth segment');
    await w.govern({
      action: ProposalAction.SetRiskParams,
      segment: weth,
      params: { ...devnetRiskParams(wethSegment), borrowCap: usdc('500') },
    });
    await call(other, 'borrow', [weth, 0, usdc('300'), other.address]);
    expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('200') + 1n, borrower.address]))).toBe(
      'BorrowCapExceeded',
    );
    await call(borrower, 'borrow', [weth, 0, usdc('200'), borrower.address]);
  });

  it('never lends out or pays out the insurance fund: available cash is cash minus insurance', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
    await advance(YEAR); // 20 % utilisation, 100 bps: 200 of interest, 20 to insurance
    await w.setPrice(hub, 'WETH', price8(3_000));
    await w.setPrice(hub, 'USDC', price8(1));
    await call(other, 'depositCollateral', [weth, 0, WETH, parseEther('100')]); // deposits do not accrue
    await call(other, 'supply', [weth, usdc('1'), other.address]); // this accrues
    const l = await ledger();
    expect({ cash: l.cash, insurance: l.insurance }).toEqual({ cash: usdc('80001'), insurance: usdc('20') });
    const available = usdc('79981');
    expect(await revertName(call(other, 'borrow', [weth, 0, available + 1n, other.address]))).toBe(
      'InsufficientLiquidity',
    );
    await call(other, 'borrow', [weth, 0, available, other.address]);
    expect((await ledger()).cash).toBe(usdc('20'));
    // the lender cannot take the insurance either
    expect(await revertName(call(lender, 'withdraw', [weth, 1_000_000n, lender.address]))).toBe(
      'InsufficientLiquidity',
    );
  });

  it('refuses an unknown segment', async () => {
    expect(await revertName(call(borrower, 'borrow', [seg('nope'), 0, usdc('1'), borrower.address]))).toBe(
      'SegmentNotFound',
    );
  });
});

describe('SegmentVault.subAccounts', () => {
  it('keeps sub-accounts of one owner as isolated positions', async () => {
    // sub 0's collateral does not back sub 1
    expect(await revertName(call(borrower, 'borrow', [weth, 1, 1n, borrower.address]))).toBe('Undercollateralised');
    await call(borrower, 'depositCollateral', [weth, 1, WETH, parseEther('10')]);
    await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
    await call(borrower, 'borrow', [weth, 1, usdc('1000'), borrower.address]);
    expect([await debtOf(borrower, 0), await debtOf(borrower, 1)]).toEqual([usdc('24000'), usdc('1000')]);
    expect(await read<Hex>('accountKey', [weth, borrower.address, 0])).not.toBe(
      await read<Hex>('accountKey', [weth, borrower.address, 1]),
    );
    // sub 1's spare collateral does not rescue sub 0: at $2,500 sub 0 is liquidatable, sub 1 is not
    await w.setPrice(hub, 'WETH', price8(2_500));
    expect(await revertName(call(liquidator, 'liquidate', [weth, borrower.address, 1, WETH, usdc('500')]))).toBe(
      'AccountHealthy',
    );
    await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('1000')]);
    expect([await debtOf(borrower, 1), await collateralOf(borrower, 1)]).toEqual([usdc('1000'), parseEther('10')]);
    // and sub 1 withdraws what its own debt allows, whatever sub 0 owes
    await call(borrower, 'withdrawCollateral', [weth, 1, WETH, parseEther('9'), borrower.address]);
    expect(await collateralOf(borrower, 1)).toBe(parseEther('1'));
  });
});

describe('SegmentVault.repay', () => {
  it('repays in part on behalf of another owner, then in full with max', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('1000'), borrower.address]);
    const receipt = await call(other, 'repay', [weth, borrower.address, 0, usdc('400')]);
    expect(one(events(receipt, 'Repaid')).args).toEqual({
      segment: weth,
      owner: borrower.address,
      sub: 0n,
      payer: other.address,
      amount: usdc('400'),
      shares: usdc('400'),
    });
    expect(await usdcOf(other)).toBe(usdc('999600'));
    expect(await debtOf(borrower)).toBe(usdc('600'));
    expect(await debtOf(other)).toBe(0n);
    const full = await call(borrower, 'repay', [weth, borrower.address, 0, maxUint256]);
    expect(one(events(full, 'Repaid')).args.amount).toBe(usdc('600'));
    expect(await usdcOf(borrower)).toBe(usdc('1000400')); // borrowed 1,000, paid 600
    expect(await debtOf(borrower)).toBe(0n);
    const l = await ledger();
    expect({ cash: l.cash, debtShares: l.debtShares }).toEqual({ cash: usdc('100000'), debtShares: 0n });
    // nothing left to repay
    expect(await revertName(call(borrower, 'repay', [weth, borrower.address, 0, maxUint256]))).toBe('ZeroAmount');
  });

  it('repays max with interest: the whole grown debt, and only that', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
    await advance(YEAR);
    // 20 % utilisation, 100 bps: 20,200 after a year
    const before = await usdcOf(other);
    await call(other, 'repay', [weth, borrower.address, 0, maxUint256]);
    expect(before - (await usdcOf(other))).toBe(usdc('20200'));
    expect(await debtOf(borrower)).toBe(0n);
  });

  it('refuses a repayment worth less than one debt share, which would be paid and clear nothing', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
    await advance(YEAR); // the index is now 1.01: one unit of USDC buys no whole share
    const debtBefore = await debtOf(borrower);
    const paidBefore = await usdcOf(other);
    expect(await revertName(call(other, 'repay', [weth, borrower.address, 0, 1n]))).toBe('ZeroAmount');
    expect(await debtOf(borrower)).toBe(debtBefore);
    expect(await usdcOf(other)).toBe(paidBefore);
  });
});

describe('SegmentVault.interest', () => {
  it('below the kink: a year at 20 % utilisation grows debt 1 % and insurance by the reserve factor', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
    const l = await ledger();
    const rate = kinkedRateBps(usdc('20000'), l.cash - l.insurance);
    expect(rate).toBe(100n); // 400 bps × 20 / 80
    expect(await read<bigint>('borrowRateBps', [weth])).toBe(rate);
    await advance(YEAR);
    const receipt = await call(other, 'supply', [weth, usdc('1'), other.address]); // any operation accrues
    const factor = (rate * RAY * YEAR) / (BPS * YEAR);
    const interest = (usdc('20000') * factor) / RAY;
    expect(interest).toBe(usdc('200'));
    expect(one(events(receipt, 'InterestAccrued')).args).toEqual({
      segment: weth,
      interest,
      toInsurance: usdc('20'), // reserve factor 10 %
      borrowIndex: RAY + factor,
    });
    expect(await debtOf(borrower)).toBe(usdc('20200'));
    expect((await ledger()).insurance).toBe(usdc('20'));
    // the suppliers own the other 90 %: 80,000 cash + 1 + 20,200 lent − 20 insurance
    expect(await read<bigint>('supplierAssets', [weth])).toBe(usdc('100181'));
    // so a new supplier's unit buys fewer shares: 1e6 × (1e17 + 1e6) / (100,180e6 + 1)
    expect(one(events(receipt, 'Supplied')).args.shares).toBe(
      (usdc('1') * (usdc('100000') * VIRTUAL_SHARES + VIRTUAL_SHARES)) / (usdc('100180') + 1n),
    );
  });

  it('above the kink: a year at 90 % utilisation grows debt by slope1 plus half of slope2', async () => {
    await call(other, 'depositCollateral', [weth, 0, WETH, parseEther('50')]);
    await call(other, 'borrow', [weth, 0, usdc('70000'), other.address]);
    await call(borrower, 'borrow', [weth, 0, usdc('20000'), borrower.address]);
    const rate = kinkedRateBps(usdc('90000'), usdc('10000'));
    expect(rate).toBe(4_150n); // 400 + 7,500 × (90 − 80) / 20
    expect(await read<bigint>('borrowRateBps', [weth])).toBe(rate);
    const insuranceBefore = (await ledger()).insurance;
    await advance(YEAR);
    const receipt = await call(other, 'supply', [weth, usdc('1'), other.address]); // any operation accrues
    expect(one(events(receipt, 'InterestAccrued')).args.interest).toBe(usdc('37350')); // 41.5 % of 90,000
    // index 1.415: 70,000 → 99,050, 20,000 → 28,300; insurance 10 % of the 37,350 interest
    expect(await debtOf(borrower)).toBe(usdc('28300'));
    expect(await debtOf(other)).toBe(usdc('99050'));
    expect((await ledger()).insurance - insuranceBefore).toBe(usdc('3735'));
    expect((await ledger()).borrowIndex).toBe(RAY + (RAY * 4_150n) / BPS);
  });
});

describe('SegmentVault.prices', () => {
  it('refuses to price collateral with a stale feed (too old, or from the future)', async () => {
    const feed = w.feed('WETH', hub);
    const deployer = w.role('deployer');
    const t = await now();
    // devnet feeds may be 86,400 s old: one second more is stale
    await w.send(hub, deployer, feed, DevPriceFeed.abi, 'setAnswerAt', [price8(3_000), t - 86_401n]);
    expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe('StalePrice');
    await w.send(hub, deployer, feed, DevPriceFeed.abi, 'setAnswerAt', [price8(3_000), t - 86_400n]);
    await call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]);
    await w.send(hub, deployer, feed, DevPriceFeed.abi, 'setAnswerAt', [price8(3_000), t + 1n]);
    expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe('StalePrice');
  });

  it('refuses a zero or negative answer, for collateral and for the borrow asset', async () => {
    for (const symbol of ['WETH', 'USDC']) {
      for (const answer of [0n, -1n]) {
        await w.send(hub, w.role('deployer'), w.feed(symbol, hub), DevPriceFeed.abi, 'setAnswer', [answer]);
        expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe('InvalidPrice');
      }
      await w.setPrice(hub, symbol, symbol === 'WETH' ? price8(3_000) : price8(1));
    }
  });
});

describe('SegmentVault.liquidate', () => {
  it('refuses a healthy account and one without debt', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
    // $2,824 is the edge: 10 × 2,824 × 85 % = 24,004 ≥ 24,000
    await w.setPrice(hub, 'WETH', price8(2_824));
    expect(await revertName(call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('1000')]))).toBe(
      'AccountHealthy',
    );
    expect(await revertName(call(liquidator, 'liquidate', [weth, other.address, 0, WETH, usdc('1000')]))).toBe(
      'AccountHealthy',
    );
  });

  it('repays at most half the debt, seizes its value plus the 5 % bonus, and pays a tenth of the bonus to insurance', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
    await w.setPrice(hub, 'WETH', price8(2_500)); // 10 WETH × $2,500 × 85 % = $21,250 < $24,000
    expect(await positionOf(borrower)).toEqual({
      borrowLimit: usd('20000'),
      liquidationValue: usd('21250'),
      debtValue: usd('24000'),
      hasCollateral: true,
    });
    const suppliers = await read<bigint>('supplierAssets', [weth]);
    const receipt = await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('100000')]);
    // close factor 50 %: 12,000; seized 12,000 × 1.05 / 2,500 = 5.04 WETH; insurance 12,000 × 5 % × 10 % = 60
    expect(one(events(receipt, 'Liquidated')).args).toEqual({
      segment: weth,
      owner: borrower.address,
      sub: 0n,
      liquidator: liquidator.address,
      assetId: WETH,
      repaid: usdc('12000'),
      seized: parseEther('5.04'),
      toInsurance: usdc('60'),
    });
    expect(await wethOf(liquidator)).toBe(parseEther('5.04'));
    expect(await usdcOf(liquidator)).toBe(usdc('1000000') - usdc('12060'));
    expect(await debtOf(borrower)).toBe(usdc('12000'));
    expect(await collateralOf(borrower)).toBe(parseEther('4.96'));
    const l = await ledger();
    expect({ cash: l.cash, insurance: l.insurance, badDebt: l.badDebt }).toEqual({
      cash: usdc('88060'),
      insurance: usdc('60'),
      badDebt: 0n,
    });
    // the suppliers neither gain nor lose by a liquidation
    expect(await read<bigint>('supplierAssets', [weth])).toBe(suppliers);
    // a repayment under the close factor seizes in proportion: 1,000 × 1.05 / 2,500
    const small = await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('1000')]);
    expect(one(events(small, 'Liquidated')).args.seized).toBe(parseEther('0.42'));
  });

  it('realises the debt left when collateral runs out: insurance first, then the suppliers', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
    // a year at 24 % utilisation (120 bps): debt 24,288; insurance 28.8
    await advance(YEAR);
    await w.setPrice(hub, 'USDC', price8(1));
    await w.setPrice(hub, 'WETH', price8(1_000)); // 10 WETH worth $10,000 against $24,288
    const receipt = await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('100000')]);
    const index = RAY + (RAY * 120n) / BPS;
    expect(one(events(receipt, 'InterestAccrued')).args).toEqual({
      segment: weth,
      interest: usdc('288'),
      toInsurance: usdc('28.8'),
      borrowIndex: index,
    });
    // all 10 WETH are seized for 10,000 / 1.05 (rounded up), the bonus share of that to insurance
    const repaid = 9_523_809_524n;
    const toInsurance = (repaid * 500n * 1_000n) / (BPS * BPS);
    expect(toInsurance).toBe(47_619_047n);
    expect(one(events(receipt, 'Liquidated')).args).toMatchObject({
      repaid,
      seized: parseEther('10'),
      toInsurance,
    });
    // what the remaining shares owe becomes bad debt: the whole insurance fund pays, suppliers the rest
    const remaining = usdc('24000') - (repaid * RAY) / index;
    const amount = ceilDiv(remaining * index, RAY);
    const fromInsurance = usdc('28.8') + toInsurance;
    const bad = one(parseEventLogs({ abi: SegmentVault.abi, eventName: 'BadDebtRealised', logs: receipt.logs }));
    expect(bad.args).toEqual({
      segment: weth,
      owner: borrower.address,
      sub: 0n,
      amount,
      fromInsurance,
      fromSuppliers: amount - fromInsurance,
    });
    expect(amount - (usdc('24288') - repaid)).toBeLessThanOrEqual(2n); // share rounding only
    const l = await ledger();
    expect({ insurance: l.insurance, badDebt: l.badDebt, debtShares: l.debtShares }).toEqual({
      insurance: 0n,
      badDebt: amount,
      debtShares: 0n,
    });
    expect(await debtOf(borrower)).toBe(0n);
    // the suppliers are left with the cash: 76,000 + what the liquidator paid; 14,428.571429 less
    const suppliersAfter = await read<bigint>('supplierAssets', [weth]);
    expect(suppliersAfter).toBe(usdc('76000') + repaid + toInsurance);
    expect(usdc('100000') - suppliersAfter).toBe(14_428_571_429n);
    // of which the year's interest (288 − 28.8) had been theirs: they lost fromSuppliers, within share rounding
    const lost = usdc('100259.2') - suppliersAfter;
    expect(amount - fromInsurance - lost).toBeGreaterThanOrEqual(0n);
    expect(amount - fromInsurance - lost).toBeLessThanOrEqual(2n);
    // the account is closed: nothing to liquidate any more
    expect((await positionOf(borrower)).hasCollateral).toBe(false);
    expect(await revertName(call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, 1n]))).toBe(
      'AccountHealthy',
    );
  });

  // A liquidation may leave dust collateral worth less than one debt share; the next one sweeps
  // it (repaying 1 unit, which clears no share) and realises the debt left as bad debt.
  it('sweeps dust collateral left by a liquidation and realises the debt behind it as bad debt', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
    await advance(YEAR); // index 1.012
    await w.setPrice(hub, 'USDC', price8(1));
    await w.setPrice(hub, 'WETH', price8(2_500)); // 10 WETH: liquidation value $21,250 against $24,288
    // at $2,500 with the 5 % bonus, each unit of USDC repaid seizes 1.05e-6 / 2,500 WETH = 4.2e8 wei
    const weiPerUnit = 420_000_000n;
    // liquidate at the close factor while that leaves collateral, then take all but the dust
    for (let held = await collateralOf(borrower); ; held = await collateralOf(borrower)) {
      const maxRepay = ceilDiv(await debtOf(borrower), 2n);
      if (maxRepay * weiPerUnit < held) {
        await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, maxRepay]);
        continue;
      }
      const receipt = await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, held / weiPerUnit]);
      expect(one(events(receipt, 'Liquidated')).args.seized).toBe((held / weiPerUnit) * weiPerUnit);
      expect(events(receipt, 'BadDebtRealised')).toEqual([]);
      break;
    }
    const dust = await collateralOf(borrower);
    expect(dust).toBe(220_000_000n); // 2.2e-10 WETH, worth $0.00000055: about half a unit of USDC
    expect(await debtOf(borrower)).toBe(478_476_194n);
    const p = await positionOf(borrower);
    expect(p.liquidationValue).toBeLessThan(p.debtValue); // deeply unhealthy, yet:
    const sweep = await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, maxUint256]);
    expect(one(events(sweep, 'Liquidated')).args.seized).toBe(dust);
    const realised = one(events(sweep, 'BadDebtRealised')).args.amount;
    // the 1 unit repaid bought no share: the whole debt left is realised (the unit joins the cash)
    expect(one(events(sweep, 'Liquidated')).args.repaid).toBe(1n);
    expect(realised).toBe(478_476_194n);
    expect(await collateralOf(borrower)).toBe(0n);
    expect(await debtOf(borrower)).toBe(0n);
    expect((await ledger()).badDebt).toBe(realised);
  });
});

describe('SegmentVault.status', () => {
  it('ReduceOnly: no new supply, collateral or debt; repay and withdrawals go on', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('1000'), borrower.address]);
    await setStatus(2);
    expect((await read<{ status: number }>('config', [weth])).status).toBe(2);
    expect(await revertName(call(other, 'supply', [weth, usdc('1'), other.address]))).toBe('OperationNotAllowed');
    expect(await revertName(call(other, 'depositCollateral', [weth, 0, WETH, 1n]))).toBe('OperationNotAllowed');
    expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe(
      'OperationNotAllowed',
    );
    await call(borrower, 'repay', [weth, borrower.address, 0, usdc('500')]);
    await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('1'), borrower.address]);
    await call(lender, 'withdraw', [weth, 1_000_000n, lender.address]);
    expect(await debtOf(borrower)).toBe(usdc('500'));
    expect(await collateralOf(borrower)).toBe(parseEther('9'));
    // and liquidation: 9 WETH at $50 × 85 % = $382.50 against $500
    await w.setPrice(hub, 'WETH', price8(50));
    await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('100')]);
    expect(await debtOf(borrower)).toBe(usdc('400'));
  });

  it('Frozen (by the guardian): only repay and liquidation', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('24000'), borrower.address]);
    await w.send(hub, w.role('guardian'), w.controller, SegmentController.abi, 'freeze', [weth]);
    expect((await read<{ status: number }>('config', [weth])).status).toBe(3);
    for (const [who, fn, args] of [
      [other, 'supply', [weth, usdc('1'), other.address]],
      [lender, 'withdraw', [weth, 1_000_000n, lender.address]],
      [other, 'depositCollateral', [weth, 0, WETH, 1n]],
      [borrower, 'withdrawCollateral', [weth, 0, WETH, 1n, borrower.address]],
      [borrower, 'borrow', [weth, 0, 1n, borrower.address]],
    ] as const) {
      // literal tuples: each entry keeps its account, function name and arguments
      expect({ fn, error: await revertName(call(who, fn, args)) }).toEqual({ fn, error: 'OperationNotAllowed' });
    }
    await call(borrower, 'repay', [weth, borrower.address, 0, usdc('1000')]);
    await w.setPrice(hub, 'WETH', price8(2_500));
    await call(liquidator, 'liquidate', [weth, borrower.address, 0, WETH, usdc('1000')]);
    expect(await debtOf(borrower)).toBe(usdc('22000'));
  });

  it('Retired: only exits (repay, withdrawals, liquidation); the insurance fund stays behind', async () => {
    await call(borrower, 'borrow', [weth, 0, usdc('1000'), borrower.address]);
    await call(other, 'depositCollateral', [weth, 0, WETH, parseEther('1')]);
    await call(other, 'borrow', [weth, 0, usdc('2400'), other.address]);
    const { statusEpoch } = await read<{ statusEpoch: bigint }>('config', [weth]);
    const applied = one(events(await setStatus(4), 'StatusApplied'));
    expect(applied.args).toEqual({ segment: weth, statusEpoch: statusEpoch + 1n, status: 4 });
    expect(await revertName(call(other, 'supply', [weth, usdc('1'), other.address]))).toBe('OperationNotAllowed');
    expect(await revertName(call(other, 'depositCollateral', [weth, 0, WETH, 1n]))).toBe('OperationNotAllowed');
    expect(await revertName(call(borrower, 'borrow', [weth, 0, usdc('1'), borrower.address]))).toBe(
      'OperationNotAllowed',
    );
    await call(borrower, 'repay', [weth, borrower.address, 0, maxUint256]);
    await call(borrower, 'withdrawCollateral', [weth, 0, WETH, parseEther('10'), borrower.address]);
    // 1 WETH at $2,500 × 85 % = $2,125 against $2,400: 1,000 repaid, 50 of bonus × 10 % = 5 to insurance
    await w.setPrice(hub, 'WETH', price8(2_500));
    await call(liquidator, 'liquidate', [weth, other.address, 0, WETH, usdc('1000')]);
    await call(other, 'repay', [weth, other.address, 0, maxUint256]);
    await call(lender, 'withdraw', [weth, maxUint256, lender.address]);
    expect(await sharesOf(lender)).toBe(0n);
    expect(await usdcOf(lender)).toBe(usdc('1000000'));
    expect(await wethOf(borrower)).toBe(parseEther('100'));
    // everyone is out; the vault has no way to pay the insurance fund out of a retired segment
    const l = await ledger();
    expect({ cash: l.cash, insurance: l.insurance, supplyShares: l.supplyShares, debtShares: l.debtShares }).toEqual({
      cash: usdc('5'),
      insurance: usdc('5'),
      supplyShares: 0n,
      debtShares: 0n,
    });
  });

  it('names an unknown segment for every user operation', async () => {
    const nope = seg('nope');
    for (const [fn, args] of [
      ['supply', [nope, usdc('1'), other.address]],
      ['withdraw', [nope, 1n, other.address]],
      ['depositCollateral', [nope, 0, WETH, 1n]],
      ['withdrawCollateral', [nope, 0, WETH, 1n, other.address]],
      ['borrow', [nope, 0, 1n, other.address]],
      ['repay', [nope, other.address, 0, 1n]],
      ['liquidate', [nope, other.address, 0, WETH, 1n]],
    ] as const) {
      // literal tuples: each entry keeps its function name and arguments
      expect({ fn, error: await revertName(call(other, fn, args)) }).toEqual({ fn, error: 'SegmentNotFound' });
    }
  });
});

describe('SegmentVault.attestation', () => {
  it('attests on the hub for free, straight to the controller, and refuses a fee there', async () => {
    expect(await read<bigint>('quoteAttest', [[weth]])).toBe(0n);
    const receipt = await call(other, 'attest', [[weth]]);
    const attested = one(parseEventLogs({ abi: SegmentVault.abi, eventName: 'Attested', logs: receipt.logs }));
    expect(attested.args.segments).toBe(1n);
    const recorded = await w.read<{ snapshot: { collateralValue: bigint } }>(
      hub,
      w.controller,
      SegmentController.abi,
      'attestation',
      [weth, hub],
    );
    expect(recorded.snapshot.collateralValue).toBe(usd('30000')); // 10 WETH at $3,000
    const paid = w.send(hub, other, w.vault(hub), SegmentVault.abi, 'attest', [[weth]], 1n);
    expect(await revertName(paid)).toBe('NativeFeeOnHub');
    expect(await revertName(call(other, 'attest', [[seg('nope')]]))).toBe('SegmentNotFound');
  });
});

describe('SegmentVault.configuration', () => {
  it('takes configuration from the controller only, on the hub and on a spoke', async () => {
    const spoke = w.eids.find((eid) => eid !== hub);
    if (spoke === undefined) throw new Error('the devnet has spokes');
    for (const eid of [hub, spoke]) {
      const { statusEpoch } = await w.readVault<{ statusEpoch: bigint }>(eid, 'config', [weth]);
      // a well-formed, newer status message that the controller itself could send
      const retire = encodeStatus({ segment: weth, statusEpoch: statusEpoch + 1n, status: SegmentStatus.Retired });
      const garbage: Hex = encodeFunctionData({ abi: SegmentVault.abi, functionName: 'segmentCount' });
      for (const message of [retire, garbage]) {
        expect(await revertName(w.vaultCall(eid, other, 'applyFromController', [message]))).toBe('NotController');
      }
      const after = await w.readVault<{ status: number; statusEpoch: bigint }>(eid, 'config', [weth]);
      expect({ eid, status: after.status, statusEpoch: after.statusEpoch }).toEqual({ eid, status: 1, statusEpoch });
    }
  });
});
