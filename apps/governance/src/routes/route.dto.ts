import { ApiProperty } from '@nestjs/swagger';

// What the route resources answer. Amounts are decimal strings of the asset's base units (money is
// bigint on chain; JSON numbers would lose precision); `decimals` says how to show them.

const units = (description: string) => ({ type: String, example: '50000000000', description });
export const ROUTE_SIDES = ['source', 'destination', 'both'] as const;

export class RouteBucketDto {
  @ApiProperty(units('tokens in the bucket now (refilled to the latest block)')) available!: string;
  @ApiProperty(units('the bucket size')) capacity!: string;
}

/** One end of a route: what that chain's router has applied. */
export class RouteChainStateDto {
  @ApiProperty({ type: Number }) eid!: number;
  @ApiProperty({ type: String }) name!: string;
  @ApiProperty({ type: String, enum: ROUTE_SIDES, description: '"both" for a route between two segments of one chain' })
  side!: (typeof ROUTE_SIDES)[number];
  @ApiProperty({ type: Number, description: 'routeEpoch on this router (0: the route has not reached it)' })
  epoch!: number;
  @ApiProperty({ type: Boolean, description: "this router has the hub's latest epoch" }) applied!: boolean;
  @ApiProperty({ type: Boolean, description: 'open on this router (false before the route reaches it)' })
  enabled!: boolean;
  @ApiProperty(units('bucket size on this router')) capacity!: string;
  @ApiProperty(units('refill per second on this router')) refillPerSecond!: string;
  @ApiProperty({ type: Number }) maxUtilBps!: number;
}

/** A route as governance last set it (the hub router), with the state at both of its ends. */
export class RouteViewDto {
  @ApiProperty({ type: String, example: `0x${'0'.repeat(64)}` }) routeId!: string;
  @ApiProperty({ type: Number }) srcEid!: number;
  @ApiProperty({ type: String }) srcChain!: string;
  @ApiProperty({ type: String, example: 'weth' }) srcSegment!: string;
  @ApiProperty({ type: Number }) dstEid!: number;
  @ApiProperty({ type: String }) dstChain!: string;
  @ApiProperty({ type: String, example: 'crv' }) dstSegment!: string;
  @ApiProperty({ type: String, example: 'USDC' }) asset!: string;
  @ApiProperty({ type: Number, nullable: true, description: "the asset's decimals (null: unknown on the hub)" })
  decimals!: number | null;
  @ApiProperty({ type: Boolean }) enabled!: boolean;
  @ApiProperty(units('bucket size')) capacity!: string;
  @ApiProperty(units('bucket refill per second')) refillPerSecond!: string;
  @ApiProperty({ type: Number, minimum: 1, maximum: 10_000 }) maxUtilBps!: number;
  @ApiProperty({ type: Number, description: 'routeEpoch on the hub router: governance changes applied so far' })
  hubEpoch!: number;
  @ApiProperty({ type: Boolean, description: "both ends have the hub's latest epoch" }) applied!: boolean;
  @ApiProperty({
    type: RouteBucketDto,
    nullable: true,
    description: 'the token bucket on the source chain (null before the route reaches it)',
  })
  bucket!: RouteBucketDto | null;
  @ApiProperty({ type: [RouteChainStateDto] }) chains!: RouteChainStateDto[];
}

export class TransferRecordDto {
  @ApiProperty({ type: Number }) eid!: number;
  @ApiProperty({ type: String }) name!: string;
  @ApiProperty({ type: String, example: 'Credited', description: 'SegmentRouter.TransferState on this chain' })
  state!: string;
}

export class RouteTransferDto {
  @ApiProperty({ type: String }) transferId!: string;
  @ApiProperty(units('amount moved')) amount!: string;
  @ApiProperty({ type: [TransferRecordDto], description: 'the record each chain keeps (source first)' })
  records!: TransferRecordDto[];
  @ApiProperty({ type: Boolean, description: 'debited at the source, neither credited nor refunded yet' })
  inFlight!: boolean;
}

export class InFlightTransferDto {
  @ApiProperty({ type: String }) transferId!: string;
  @ApiProperty({ type: String }) routeId!: string;
  @ApiProperty({ type: String, example: 'USDC' }) asset!: string;
  @ApiProperty(units('amount in flight')) amount!: string;
  @ApiProperty({ type: Number }) srcEid!: number;
  @ApiProperty({ type: Number }) dstEid!: number;
  @ApiProperty({
    type: String,
    example: 'None',
    description: 'the destination\'s record: "None" (not arrived) or "RefundSent"',
  })
  destination!: string;
}

export class RouteDetailDto extends RouteViewDto {
  @ApiProperty({ type: [RouteTransferDto] }) transfers!: RouteTransferDto[];
  @ApiProperty({ type: [InFlightTransferDto] }) inFlight!: InFlightTransferDto[];
}

export class AssetConservationDto {
  @ApiProperty({ type: String, example: 'USDC' }) asset!: string;
  @ApiProperty({ type: String }) assetId!: string;
  @ApiProperty({ type: Number, nullable: true }) decimals!: number | null;
  @ApiProperty(units('debited by source routers, every chain')) debited!: string;
  @ApiProperty(units('credited by destination routers')) credited!: string;
  @ApiProperty(units('refunded to sources')) refunded!: string;
  @ApiProperty(units('sent and not yet credited or refunded')) inFlight!: string;
  @ApiProperty({ type: Boolean, description: 'debited = credited + in flight + refunded' }) holds!: boolean;
}

/** DESIGN invariant 5 over every chain's router. */
export class ConservationDto {
  @ApiProperty({ type: Boolean }) holds!: boolean;
  @ApiProperty({ type: [Number], description: 'the chains whose routers were read' }) chains!: number[];
  @ApiProperty({ type: [AssetConservationDto] }) assets!: AssetConservationDto[];
  @ApiProperty({ type: [InFlightTransferDto] }) inFlight!: InFlightTransferDto[];
  @ApiProperty({ type: [String], description: 'records that cannot happen when the routers are correct' })
  anomalies!: string[];
}
