import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
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
] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];
export const SEGMENT_STATUSES = ['Active', 'ReduceOnly', 'Frozen', 'Retired'] as const;
/** SegmentStatus on chain: 0 is None (no segment), then the statuses above. */
export const statusName = (status: number): string => SEGMENT_STATUSES[status - 1] ?? 'None';
export const statusValue = (name: (typeof SEGMENT_STATUSES)[number]): number => SEGMENT_STATUSES.indexOf(name) + 1;

const SEGMENT_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const ASSET_SYMBOL = /^[A-Z0-9]{1,31}$/;
/** Whole or fractional token units / USD: "1000", "0.5" (at most 18 decimals). */
const DECIMAL = /^(0|[1-9]\d{0,29})(\.\d{1,18})?$/;
const decimalMessage = (field: string) => `${field} must be a decimal string such as "1000" or "0.5"`;
const bps = { minimum: 0, maximum: 10_000 };
const uses =
  (...kinds: ProposalKind[]) =>
  (o: CreateProposalDto) =>
    kinds.includes(o.action);
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

/**
 * One governance action. Which fields apply depends on `action`; a field that does not apply is
 * refused like an unknown one would be only when it is also malformed — the action's own fields are
 * required.
 */
export class CreateProposalDto {
  @ApiProperty({ enum: PROPOSAL_KINDS })
  @IsIn(PROPOSAL_KINDS, { message: `action must be one of: ${PROPOSAL_KINDS.join(', ')}` })
  action!: ProposalKind;

  @ApiProperty({ example: 'link', description: 'segment name (lower case, ≤ 31 characters)' })
  @Matches(SEGMENT_NAME, { message: 'segment must be lower-case letters, digits and dashes (1–31)' })
  segment!: string;

  @ApiPropertyOptional({ example: 'USDC', description: 'createSegment: the asset the segment lends' })
  @ValidateIf(uses('createSegment'))
  @Matches(ASSET_SYMBOL, { message: 'borrowAsset must be an upper-case symbol such as USDC' })
  borrowAsset?: string;

  @ApiPropertyOptional({ type: [CollateralDto], description: 'createSegment, setRiskParams, setBoundary' })
  @ValidateIf(usesParams)
  @IsArray({ message: 'collaterals must be a list' })
  @ArrayMinSize(1, { message: 'collaterals must list at least one asset' })
  @ArrayMaxSize(16, { message: 'collaterals must list at most 16 assets' })
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
  @ValidateNested()
  @Type(() => RatesDto)
  rates?: RatesDto;

  @ApiPropertyOptional({ type: BoundsDto, description: 'setStewardBounds (required), createSegment (optional)' })
  @ValidateIf((o: CreateProposalDto) => o.action === 'setStewardBounds' || o.bounds !== undefined)
  @IsDefined({ message: 'bounds are required for setStewardBounds' })
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
