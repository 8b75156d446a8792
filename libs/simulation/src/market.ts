import { WAD } from './wad.js';

/**
 * Where liquidators trade, per asset and step: a constant-product pool with `depth` USD on each side,
 * reset at each step (arbitrage refills it between steps). Selling value q after v was sold in the
 * same step realises D²q / ((D+v)(D+v+q)); buying q after v was bought costs D(v+q)/(D−v−q) − Dv/(D−v).
 * Without a depth a trade fills at the market price. Values are USD at the step's market price.
 */
export class Market {
  private sold = 0n;
  private bought = 0n;
  price = 0n;

  private readonly depthSquared: bigint;

  constructor(readonly depth: bigint | null) {
    this.depthSquared = depth === null ? 0n : depth * depth;
  }

  reset(price: bigint): void {
    this.price = price;
    this.sold = 0n;
    this.bought = 0n;
  }

  /** USD realised by selling `units` now (not yet executed). */
  proceeds(units: bigint): bigint {
    const q = (units * this.price) / WAD;
    const d = this.depth;
    if (d === null) return q;
    const v = this.sold;
    return (this.depthSquared * q) / ((d + v) * (d + v + q));
  }

  /** USD it costs to buy `units` now, or null when the pool cannot supply them. */
  cost(units: bigint): bigint | null {
    const q = (units * this.price) / WAD;
    const d = this.depth;
    if (d === null) return q;
    const v = this.bought;
    if (v + q >= d) return null;
    return (d * (v + q)) / (d - v - q) - (d * v) / (d - v);
  }

  /** USD that selling `units` would realise into a full pool: what a position's collateral is worth in a hurry. */
  realisable(units: bigint): bigint {
    const q = (units * this.price) / WAD;
    const d = this.depth;
    return d === null ? q : (d * q) / (d + q);
  }

  /** A lower bound of `realisable` without its division: the value, or half of it within the depth. */
  realisableFloor(units: bigint): bigint {
    const q = (units * this.price) / WAD;
    const d = this.depth;
    if (d === null) return q;
    return q <= d ? q >> 1n : 0n;
  }

  sell(units: bigint): void {
    this.sold += (units * this.price) / WAD;
  }

  buy(units: bigint): void {
    this.bought += (units * this.price) / WAD;
  }
}
