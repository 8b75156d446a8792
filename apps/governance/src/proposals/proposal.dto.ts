import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export const PROPOSAL_KINDS = [
  'createSegment',
  'setRiskParams',
  'setBoundary',
  'setStewardBounds',
  'setStatus',
  'setGlobalCap',
  'allowRoute',
  'disableRoute',
  'setRouteLimits',
] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];
/** The actions on liquidity routes: a RouteConfig proposal, applied by the hub's SegmentRouter once executed. */
export const ROUTE_KINDS = ['allowRoute', 'disableRoute', 'setRouteLimits'] as const satisfies ProposalKind[];
export type RouteKind = (typeof ROUTE_KINDS)[number];
export const isRouteKind = (kind: string): kind is RouteKind => (ROUTE_KINDS as readonly string[]).includes(kind);
export const SEGMENT_STATUSES = ['Active', 'ReduceOnly', 'Frozen', 'Retired'] as const;
/** SegmentStatus on chain: 0 is None (no segment), then the statuses above. */
export const statusName = (status: number): string => SEGMENT_STATUSES[status - 1] ?? 'None';
export const statusValue = (name: (typeof SEGMENT_STATUSES)[number]): number => SEGMENT_STATUSES.indexOf(name) + 1;

const SEGMENT_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const ASSET_SYMBOL = /^[A-Z0-9]{1,31}$/;
/** Whole or fractional token units / USD: "1000", "0.5" (at most 18 decimals). */
const DECIMAL = /^(0|[1-9]\d{0,29})(\.\d{1,18})?$/;
const decimalMessage = (field: string) => `${field} must be a decimal string such as "1000" or "0.5"`;
/** A whole number of an asset's base units (route limits): "50000000000" is 50,000 USDC. */
const BASE_UNITS = /^(0|[1-9]\d{0,38})$/;
const baseUnitsMessage = (field: string) =>
  `${field} must be a whole number of base units as a decimal string, such as "50000000000"`;
export const ROUTE_ID = /^0x[0-9a-fA-F]{64}$/;
const UINT32_MAX = 4_294_967_295;
const bps = { minimum: 0, maximum: 10_000 };
/** Validated for these actions, and for any other when present: a field that does not apply must still be well formed. */
const uses =
  (...kinds: ProposalKind[]) =>
  (o: CreateProposalDto, value: unknown) =>
    kinds.includes(o.action) || value !== undefined;
const usesParams = uses('createSegment', 'setRiskParams', 'setBoundary');

export class CollateralDto {
  @ApiProperty({ example: 'WETH', description: 'asset symbol registered on the controller' })
  @Matches(ASSET_SYMBOL, { message: 'asset must be an upper-case symbol such as WETH' })
  asset!: string;

  @ApiProperty(bps)
  @IsInt()
  @Min(0)
  @Max(10_000)
  ltvBps!: number;

  @ApiProperty(bps)
  @IsInt()
  @Min(0)
  @Max(10_000)
  liqThresholdBps!: number;

  @ApiProperty(bps)
  @IsInt()
  @Min(0)
  @Max(10_000)
  liqBonusBps!: number;

  @ApiProperty({ example: '1000', description: 'supply cap in whole tokens' })
  @Matches(DECIMAL, { message: decimalMessage('supplyCap') })
  supplyCap!: string;
}

export class RatesDto {
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) baseBps!: number;
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) slope1Bps!: number;
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) kinkBps!: number;
  @ApiProperty({ minimum: 0, maximum: 100_000 }) @IsInt() @Min(0) @Max(100_000) slope2Bps!: number;
}

export class BoundsDto {
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) maxLtvChangeBps!: number;
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) maxThresholdChangeBps!: number;
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) maxBonusChangeBps!: number;
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) maxReserveFactorChangeBps!: number;
  @ApiProperty({ minimum: 0, maximum: 100_000 }) @IsInt() @Min(0) @Max(100_000) maxRateChangeBps!: number;
  @ApiProperty(bps) @IsInt() @Min(0) @Max(10_000) maxCapChangeBps!: number;
  @ApiProperty({ minimum: 0, maximum: 31_536_000 }) @IsInt() @Min(0) @Max(31_536_000) minInterval!: number;
}

/** A route's token bucket and the source segment's utilisation limit. Amounts in base units of the route's asset. */
export class RouteLimitsDto {
  @ApiProperty({ example: '50000000000', description: 'bucket size in base units of the asset (decimal string, > 0)' })
  @Matches(BASE_UNITS, { message: baseUnitsMessage('capacity') })
  capacity!: string;

  @ApiProperty({ example: '1000000', description: 'bucket refill in base units per second (decimal string, ≥ 0)' })
  @Matches(BASE_UNITS, { message: baseUnitsMessage('refillPerSecond') })
  refillPerSecond!: string;

  @ApiProperty({ minimum: 1, maximum: 10_000, description: "the source segment's utilisation limit after a move" })
  @IsInt()
  @Min(1)
  @Max(10_000)
  maxUtilBps!: number;
}

/** A liquidity route from one chain's segment to another's (or another segment on the same chain), for one asset. */
export class RouteDto extends RouteLimitsDto {
  @ApiProperty({ example: 40102, description: 'source chain (LayerZero endpoint id, see GET /api/chains)' })
  @IsInt()
  @Min(1)
  @Max(UINT32_MAX)
  srcEid!: number;

  @ApiProperty({ example: 'weth', description: 'source segment' })
  @Matches(SEGMENT_NAME, { message: 'srcSegment must be lower-case letters, digits and dashes (1–31)' })
  srcSegment!: string;

  @ApiProperty({ example: 40103, description: 'destination chain (LayerZero endpoint id)' })
  @IsInt()
  @Min(1)
  @Max(UINT32_MAX)
  dstEid!: number;

  @ApiProperty({ example: 'crv', description: 'destination segment' })
  @Matches(SEGMENT_NAME, { message: 'dstSegment must be lower-case letters, digits and dashes (1–31)' })
  dstSegment!: string;

  @ApiProperty({ example: 'USDC', description: 'the asset moved: the borrow asset of both segments' })
  @Matches(ASSET_SYMBOL, { message: 'asset must be an upper-case symbol such as USDC' })
  asset!: string;
}

/**
 * One governance action. Which fields apply depends on `action`; a field that does not apply is
 * refused like an unknown one would be only when it is also malformed — the action's own fields are
 * required.
 */
export class CreateProposalDto {
  @ApiProperty({ enum: PROPOSAL_KINDS })
  @IsIn(PROPOSAL_KINDS, { message: `action must be one of: ${PROPOSAL_KINDS.join(', ')}` })
  action!: ProposalKind;

  @ApiPropertyOptional({
    example: 'link',
    description: 'segment name (lower case, ≤ 31 characters); every action but the route actions',
  })
  @ValidateIf((o: CreateProposalDto, value: unknown) => !isRouteKind(o.action) || value !== undefined)
  @Matches(SEGMENT_NAME, { message: 'segment must be lower-case letters, digits and dashes (1–31)' })
  segment?: string;

  @ApiPropertyOptional({ example: 'USDC', description: 'createSegment: the asset the segment lends' })
  @ValidateIf(uses('createSegment'))
  @Matches(ASSET_SYMBOL, { message: 'borrowAsset must be an upper-case symbol such as USDC' })
  borrowAsset?: string;

  @ApiPropertyOptional({ type: [CollateralDto], description: 'createSegment, setRiskParams, setBoundary' })
  @ValidateIf(usesParams)
  @IsArray({ message: 'collaterals must be a list' })
  @ArrayMinSize(1, { message: 'collaterals must list at least one asset' })
  @ArrayMaxSize(16, { message: 'collaterals must list at most 16 assets' })
  @IsObject({ each: true, message: 'collaterals must list objects' })
  @ValidateNested({ each: true })
  @Type(() => CollateralDto)
  collaterals?: CollateralDto[];

  @ApiPropertyOptional({ example: '1000000', description: 'borrow cap in whole units of the borrow asset' })
  @ValidateIf(usesParams)
  @Matches(DECIMAL, { message: decimalMessage('borrowCap') })
  borrowCap?: string;

  @ApiPropertyOptional({ ...bps, default: 1000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  reserveFactorBps?: number;

  @ApiPropertyOptional({ type: RatesDto })
  @IsOptional()
  @IsObject({ message: 'rates must be an object' })
  @ValidateNested()
  @Type(() => RatesDto)
  rates?: RatesDto;

  @ApiPropertyOptional({ type: BoundsDto, description: 'setStewardBounds (required), createSegment (optional)' })
  @ValidateIf((o: CreateProposalDto) => o.action === 'setStewardBounds' || o.bounds !== undefined)
  @IsDefined({ message: 'bounds are required for setStewardBounds' })
  @IsObject({ message: 'bounds must be an object' })
  @ValidateNested()
  @Type(() => BoundsDto)
  bounds?: BoundsDto;

  @ApiPropertyOptional({ enum: SEGMENT_STATUSES, description: 'setStatus' })
  @ValidateIf(uses('setStatus'))
  @IsIn(SEGMENT_STATUSES, { message: `status must be one of: ${SEGMENT_STATUSES.join(', ')}` })
  status?: (typeof SEGMENT_STATUSES)[number];

  @ApiPropertyOptional({ example: '5000000', description: 'createSegment, setGlobalCap: USD' })
  @ValidateIf(uses('createSegment', 'setGlobalCap'))
  @Matches(DECIMAL, { message: decimalMessage('globalCapUsd') })
  globalCapUsd?: string;

  @ApiPropertyOptional({ type: RouteDto, description: 'allowRoute: the route to allow (or change), enabled' })
  @ValidateIf(uses('allowRoute'))
  @IsDefined({ message: 'route is required for allowRoute' })
  @IsObject({ message: 'route must be an object' })
  @ValidateNested()
  @Type(() => RouteDto)
  route?: RouteDto;

  @ApiPropertyOptional({
    example: `0x${'0'.repeat(64)}`,
    description: 'disableRoute, setRouteLimits: a route the hub router knows (GET /api/routes)',
  })
  @ValidateIf(uses('disableRoute', 'setRouteLimits'))
  @Matches(ROUTE_ID, { message: 'routeId must be 0x and 64 hex digits' })
  routeId?: string;

  @ApiPropertyOptional({ type: RouteLimitsDto, description: 'setRouteLimits: the new limits (ids and enabled stay)' })
  @ValidateIf(uses('setRouteLimits'))
  @IsDefined({ message: 'limits are required for setRouteLimits' })
  @IsObject({ message: 'limits must be an object' })
  @ValidateNested()
  @Type(() => RouteLimitsDto)
  limits?: RouteLimitsDto;

  @ApiPropertyOptional({ minimum: 60, maximum: 31_536_000, description: 'signing window in seconds' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(31_536_000)
  deadlineSeconds?: number;
}

export class SignatureDto {
  @ApiProperty({ example: '0x…', description: "a governor's EIP-712 signature of the proposal's typed data" })
  @Matches(/^0x[0-9a-fA-F]{130}$/, { message: 'signature must be a 65-byte hex string (0x + 130 hex digits)' })
  signature!: string;
}

export class FreezeDto {
  @ApiProperty({ description: "the guardian's signed transaction calling controller.freeze(segment)" })
  @Matches(/^0x[0-9a-fA-F]{2,20000}$/, { message: 'signedTransaction must be a hex string' })
  signedTransaction!: string;
}
