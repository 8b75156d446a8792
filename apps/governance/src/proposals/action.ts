import { parseUnits } from 'viem';
import { ProposalAction, toBytes32Name, type ActionInput, type RiskParams, type StewardBounds } from '#app/messaging';
import { controllerSegment, hubAsset, type GovernanceChain, type Hub } from '../chains.js';
import { GovernanceError, invalid } from '../errors.js';
import { isRouteKind, statusValue, type CreateProposalDto, type ProposalKind, type RouteKind } from './proposal.dto.js';
import { buildRouteAction } from './route-action.js';

const BPS = 10_000;
/** Rates and bounds a new segment gets when the request names none: conservative, like the devnet's. */
const DEFAULT_RATES = { baseBps: 0, slope1Bps: 400, kinkBps: 8_000, slope2Bps: 7_500 };
const DEFAULT_BOUNDS: StewardBounds = {
  maxLtvChangeBps: 500,
  maxThresholdChangeBps: 500,
  maxBonusChangeBps: 200,
  maxReserveFactorChangeBps: 500,
  maxRateChangeBps: 300,
  maxCapChangeBps: 5_000,
  minInterval: 3_600,
};

/**
 * Turns a checked request into the controller's action, against what the chain holds: the segment
 * must exist (or not, to create it), every asset must be registered on the controller, and the
 * parameters must pass the vault's rules — each refusal names the field. Route actions are built
 * in route-action.ts; they name no segment of their own.
 */
export async function buildAction(
  hub: Hub,
  chains: readonly GovernanceChain[],
  dto: CreateProposalDto,
): Promise<{ input: ActionInput; segment: string | null }> {
  const kind = dto.action;
  if (isRouteKind(kind)) return { input: await buildRouteAction(hub, chains, dto, kind), segment: null };
  const name = dto.segment ?? invalid('segment', 'is required'); // the DTO requires it for these actions
  return { input: await buildSegmentAction(hub, dto, kind, name), segment: name };
}

async function buildSegmentAction(
  hub: Hub,
  dto: CreateProposalDto,
  kind: Exclude<ProposalKind, RouteKind>,
  name: string,
): Promise<ActionInput> {
  const segment = toBytes32Name(name);
  const existing = await controllerSegment(hub, segment);
  const exists = existing.status !== 0; // SegmentStatus.None
  if (kind === 'createSegment' && exists) throw new GovernanceError('CONFLICT', `segment: "${name}" already exists`);
  if (kind !== 'createSegment' && !exists) throw new GovernanceError('NOT_FOUND', `segment: no segment "${name}"`);
  switch (kind) {
    case 'createSegment': {
      const borrow = await hubAsset(hub, toBytes32Name(dto.borrowAsset ?? ''));
      if (!borrow) invalid('borrowAsset', `unknown asset "${dto.borrowAsset}"`);
      const params = await riskParams(hub, dto, borrow?.decimals ?? 0);
      if (params.assets.some((a) => a.assetId === toBytes32Name(dto.borrowAsset ?? '')))
        invalid('collaterals', 'the borrow asset cannot also be collateral');
      return {
        action: ProposalAction.CreateSegment,
        segment,
        borrowAssetId: toBytes32Name(dto.borrowAsset ?? ''),
        collateralIds: params.assets.map((a) => a.assetId),
        params,
        bounds: dto.bounds ?? DEFAULT_BOUNDS,
        globalCapUsd: parseUnits(dto.globalCapUsd ?? '0', 18),
      };
    }
    case 'setRiskParams':
    case 'setBoundary': {
      const borrow = await hubAsset(hub, existing.borrowAssetId);
      const params = await riskParams(hub, dto, borrow?.decimals ?? 18);
      if (kind === 'setRiskParams') {
        const listed = new Set(existing.collateralIds);
        params.assets.forEach((a, i) => {
          if (!listed.has(a.assetId))
            invalid(`collaterals[${i}].asset`, `not in segment ${name}'s boundary (use setBoundary to add it)`);
        });
        return { action: ProposalAction.SetRiskParams, segment, params };
      }
      return {
        action: ProposalAction.SetBoundary,
        segment,
        collateralIds: params.assets.map((a) => a.assetId),
        params,
      };
    }
    case 'setStewardBounds':
      return { action: ProposalAction.SetStewardBounds, segment, bounds: dto.bounds ?? DEFAULT_BOUNDS };
    case 'setStatus':
      return { action: ProposalAction.SetStatus, segment, status: statusValue(dto.status ?? 'Active') };
    case 'setGlobalCap':
      return { action: ProposalAction.SetGlobalCap, segment, globalCapUsd: parseUnits(dto.globalCapUsd ?? '0', 18) };
  }
}

async function riskParams(hub: Hub, dto: CreateProposalDto, borrowDecimals: number): Promise<RiskParams> {
  const collaterals = dto.collaterals ?? [];
  const seen = new Set<string>();
  const assets = [];
  for (const [i, c] of collaterals.entries()) {
    const field = `collaterals[${i}]`;
    if (seen.has(c.asset)) invalid(`${field}.asset`, `${c.asset} is listed twice`);
    seen.add(c.asset);
    const asset = await hubAsset(hub, toBytes32Name(c.asset));
    if (!asset) invalid(`${field}.asset`, `unknown asset "${c.asset}"`);
    if (c.liqThresholdBps < c.ltvBps) invalid(`${field}.liqThresholdBps`, 'must be at least ltvBps');
    if (c.liqThresholdBps * (BPS + c.liqBonusBps) > BPS * BPS)
      invalid(`${field}.liqBonusBps`, 'liqThresholdBps × (1 + liqBonusBps) must not exceed 100 %');
    assets.push({
      assetId: toBytes32Name(c.asset),
      ltvBps: c.ltvBps,
      liqThresholdBps: c.liqThresholdBps,
      liqBonusBps: c.liqBonusBps,
      supplyCap: units(c.supplyCap, asset?.decimals ?? 18, `${field}.supplyCap`),
    });
  }
  return {
    borrowCap: units(dto.borrowCap ?? '0', borrowDecimals, 'borrowCap'),
    reserveFactorBps: dto.reserveFactorBps ?? 1_000,
    rates: dto.rates ?? DEFAULT_RATES,
    assets,
  };
}

const UINT128_MAX = (1n << 128n) - 1n;

function units(value: string, decimals: number, field: string): bigint {
  const [, fraction = ''] = value.split('.');
  if (fraction.length > decimals) invalid(field, `at most ${decimals} decimals for this asset`);
  const amount = parseUnits(value, decimals);
  if (amount > UINT128_MAX) invalid(field, 'too large');
  return amount;
}
