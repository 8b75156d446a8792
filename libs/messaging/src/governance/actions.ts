import {
  decodeAbiParameters,
  encodeAbiParameters,
  getAbiItem,
  keccak256,
  hexToString,
  stringToHex,
  toHex,
  type AbiParameter,
  type Address,
  type Hex,
  type LocalAccount,
} from 'viem';
import { SegmentController } from '#app/contracts';

/** The controller's proposal actions (SegmentController.sol constants). */
export const ProposalAction = {
  CreateSegment: 1,
  SetBoundary: 2,
  SetRiskParams: 3,
  SetStewardBounds: 4,
  SetStatus: 5,
  SetGlobalCap: 6,
  RegisterChain: 7,
  RegisterAsset: 8,
  SetRoles: 9,
  /** Executed on the controller, applied by the hub's SegmentRouter (`applyRoute`). */
  RouteConfig: 10,
} as const;
export type ProposalAction = (typeof ProposalAction)[keyof typeof ProposalAction];

export interface RateModel {
  baseBps: number;
  slope1Bps: number;
  kinkBps: number;
  slope2Bps: number;
}

export interface AssetRisk {
  assetId: Hex;
  ltvBps: number;
  liqThresholdBps: number;
  liqBonusBps: number;
  supplyCap: bigint;
}

export interface RiskParams {
  borrowCap: bigint;
  reserveFactorBps: number;
  rates: RateModel;
  assets: readonly AssetRisk[];
}

export interface StewardBounds {
  maxLtvChangeBps: number;
  maxThresholdChangeBps: number;
  maxBonusChangeBps: number;
  maxReserveFactorChangeBps: number;
  maxRateChangeBps: number;
  maxCapChangeBps: number;
  minInterval: number;
}

/** Segment and asset ids are short names as bytes32 (`stringToHex(name, { size: 32 })`): readable in logs and on chain. */
export function toBytes32Name(name: string): Hex {
  if (new TextEncoder().encode(name).length > 32) throw new RangeError(`"${name}" is longer than 32 bytes`);
  return stringToHex(name, { size: 32 });
}

/** A bytes32 short name back to its text (`weth`), or the hex itself when it is not printable text. */
export function fromBytes32Name(id: Hex): string {
  try {
    const text = hexToString(id, { size: 32 }).replace(/\0+$/, '');
    return /^[\x20-\x7e]+$/.test(text) ? text : id;
  } catch {
    return id;
  }
}

// The struct layouts come from the compiled controller's ABI, so they cannot drift from Solidity.
const stewardInputs = getAbiItem({ abi: SegmentController.abi, name: 'stewardSetRiskParams' }).inputs;
const RISK_PARAMS = stewardInputs[1];
const segmentOutputs = getAbiItem({ abi: SegmentController.abi, name: 'getSegment' }).outputs[0].components;
const STEWARD_BOUNDS = segmentOutputs.find((c) => c.name === 'bounds') as AbiParameter; // a field of Segment

const t = (type: string, name: string): AbiParameter => ({ type, name });

/** The controller keeps each segment's parameters ABI-encoded (`getSegment(id).params`); this reads them. */
export function decodeStoredRiskParams(params: Hex): RiskParams {
  const [decoded] = decodeAbiParameters([RISK_PARAMS], params);
  return decoded;
}

export type ActionInput =
  | {
      action: typeof ProposalAction.CreateSegment;
      segment: Hex;
      borrowAssetId: Hex;
      collateralIds: readonly Hex[];
      params: RiskParams;
      bounds: StewardBounds;
      globalCapUsd: bigint;
    }
  | { action: typeof ProposalAction.SetBoundary; segment: Hex; collateralIds: readonly Hex[]; params: RiskParams }
  | { action: typeof ProposalAction.SetRiskParams; segment: Hex; params: RiskParams }
  | { action: typeof ProposalAction.SetStewardBounds; segment: Hex; bounds: StewardBounds }
  | { action: typeof ProposalAction.SetStatus; segment: Hex; status: number }
  | { action: typeof ProposalAction.SetGlobalCap; segment: Hex; globalCapUsd: bigint }
  | { action: typeof ProposalAction.RegisterChain; eid: number; vault: Address }
  | {
      action: typeof ProposalAction.RegisterAsset;
      assetId: Hex;
      eid: number;
      token: Address;
      feed: Address;
      maxStaleness: number;
    }
  | { action: typeof ProposalAction.RouteConfig; route: Route }
  | {
      action: typeof ProposalAction.SetRoles;
      governors: readonly Address[];
      threshold: number;
      delay: number;
      guardian: Address;
      steward: Address;
    };

/** The `data` of a proposal: what `SegmentController._apply` decodes for that action. */
export function encodeActionData(input: ActionInput): Hex {
  switch (input.action) {
    case ProposalAction.CreateSegment:
      return encodeAbiParameters(
        [
          t('bytes32', 'segment'),
          t('bytes32', 'borrowAssetId'),
          t('bytes32[]', 'collaterals'),
          RISK_PARAMS,
          STEWARD_BOUNDS,
          t('uint256', 'cap'),
        ],
        [input.segment, input.borrowAssetId, input.collateralIds, input.params, input.bounds, input.globalCapUsd],
      );
    case ProposalAction.SetBoundary:
      return encodeAbiParameters(
        [t('bytes32', 'segment'), t('bytes32[]', 'collaterals'), RISK_PARAMS],
        [input.segment, input.collateralIds, input.params],
      );
    case ProposalAction.SetRiskParams:
      return encodeAbiParameters([t('bytes32', 'segment'), RISK_PARAMS], [input.segment, input.params]);
    case ProposalAction.SetStewardBounds:
      return encodeAbiParameters([t('bytes32', 'segment'), STEWARD_BOUNDS], [input.segment, input.bounds]);
    case ProposalAction.SetStatus:
      return encodeAbiParameters([t('bytes32', 'segment'), t('uint8', 'status')], [input.segment, input.status]);
    case ProposalAction.SetGlobalCap:
      return encodeAbiParameters([t('bytes32', 'segment'), t('uint256', 'cap')], [input.segment, input.globalCapUsd]);
    case ProposalAction.RegisterChain:
      return encodeAbiParameters(
        [t('uint32', 'eid'), t('bytes32', 'vault')],
        [input.eid, `0x${input.vault.slice(2).toLowerCase().padStart(64, '0')}`],
      );
    case ProposalAction.RegisterAsset:
      return encodeAbiParameters(
        [
          t('bytes32', 'assetId'),
          t('uint32', 'eid'),
          t('address', 'token'),
          t('address', 'feed'),
          t('uint32', 'maxStaleness'),
        ],
        [input.assetId, input.eid, input.token, input.feed, input.maxStaleness],
      );
    case ProposalAction.SetRoles:
      return encodeAbiParameters(
        [
          t('address[]', 'governors'),
          t('uint8', 'threshold'),
          t('uint32', 'delay'),
          t('address', 'guardian'),
          t('address', 'steward'),
        ],
        [input.governors, input.threshold, input.delay, input.guardian, input.steward],
      );
    case ProposalAction.RouteConfig:
      return encodeAbiParameters([ROUTE], [input.route]);
  }
}

/** A liquidity route (SegmentMessages.sol `Route`): its id is `routeIdOf`, the same on every chain. */
export interface Route {
  srcEid: number;
  srcSegment: Hex;
  dstEid: number;
  dstSegment: Hex;
  assetId: Hex;
  capacity: bigint;
  refillPerSecond: bigint;
  maxUtilBps: number;
  enabled: boolean;
}

export const ROUTE = {
  type: 'tuple',
  name: 'route',
  components: [
    { type: 'uint32', name: 'srcEid' },
    { type: 'bytes32', name: 'srcSegment' },
    { type: 'uint32', name: 'dstEid' },
    { type: 'bytes32', name: 'dstSegment' },
    { type: 'bytes32', name: 'assetId' },
    { type: 'uint128', name: 'capacity' },
    { type: 'uint128', name: 'refillPerSecond' },
    { type: 'uint16', name: 'maxUtilBps' },
    { type: 'bool', name: 'enabled' },
  ],
} as const satisfies AbiParameter;

/** `keccak256(abi.encode(srcEid, srcSegment, dstEid, dstSegment, assetId))`, as SegmentMessages.routeId. */
export function routeIdOf(r: Pick<Route, 'srcEid' | 'srcSegment' | 'dstEid' | 'dstSegment' | 'assetId'>): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        t('uint32', 'srcEid'),
        t('bytes32', 'srcSegment'),
        t('uint32', 'dstEid'),
        t('bytes32', 'dstSegment'),
        t('bytes32', 'assetId'),
      ],
      [r.srcEid, r.srcSegment, r.dstEid, r.dstSegment, r.assetId],
    ),
  );
}

export interface Proposal {
  action: ProposalAction;
  data: Hex;
  nonce: bigint;
  deadline: bigint;
}

/** The EIP-712 typed data a governor signs for `proposal` on the controller at `controller` on chain `chainId`. */
export function proposalTypedData(controller: Address, chainId: number, proposal: Proposal) {
  return {
    domain: { name: 'SegmentController', version: '1', chainId, verifyingContract: controller },
    types: {
      Proposal: [
        { name: 'action', type: 'uint8' },
        { name: 'data', type: 'bytes' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint64' },
      ],
    },
    primaryType: 'Proposal',
    message: proposal,
  } as const;
}

/** Signs with each governor and orders the signatures by signer address, as `queue` requires. */
export async function signProposal(
  controller: Address,
  chainId: number,
  proposal: Proposal,
  governors: readonly LocalAccount[],
): Promise<Hex[]> {
  const typed = proposalTypedData(controller, chainId, proposal);
  const signed = await Promise.all(
    governors.map(async (g) => ({ signer: g.address.toLowerCase(), signature: await g.signTypedData(typed) })),
  );
  return signed.sort((a, b) => (a.signer < b.signer ? -1 : 1)).map((s) => s.signature);
}

/** A proposal nonce derived from a label: the same bootstrap step always uses the same nonce. */
export function labelNonce(label: string): bigint {
  return BigInt(keccak256(toHex(label)));
}
