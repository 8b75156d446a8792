import { SimulationError } from './errors.js';
import { gaussian, seededRandom } from './random.js';
import { parseWad, WAD } from './wad.js';

/** A point of a price path: [step, USD as a decimal string]. */
export type KeyPoint = [number, string];

/**
 * A price per step from key points: linear between points (in fixed point, truncated toward the earlier point), flat
 * before the first and after the last. Incident paths are known only at such points; the scenario
 * file says so in its assumptions.
 */
export function keyPointPath(points: readonly KeyPoint[], steps: number, field: string): bigint[] {
  if (!Array.isArray(points) || points.length === 0)
    throw new SimulationError('INVALID_SCENARIO', `${field}: give at least one [step, price] point`);
  const parsed = points.map((p: unknown, i) => {
    if (
      !Array.isArray(p) ||
      p.length !== 2 ||
      typeof p[0] !== 'number' ||
      !Number.isInteger(p[0]) ||
      p[0] < 0 ||
      p[0] >= steps
    )
      throw new SimulationError('INVALID_SCENARIO', `${field}[${i}]: must be [step, "price"] with 0 ≤ step < ${steps}`);
    const price = parseWad(String(p[1]), `${field}[${i}]`);
    if (price === 0n) throw new SimulationError('INVALID_SCENARIO', `${field}[${i}]: a price must be positive`);
    return { step: p[0], price };
  });
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i].step <= parsed[i - 1].step)
      throw new SimulationError('INVALID_SCENARIO', `${field}[${i}]: steps must increase`);
  }
  const out = new Array<bigint>(steps);
  let k = 0;
  for (let t = 0; t < steps; t++) {
    while (k + 1 < parsed.length && parsed[k + 1].step <= t) k++;
    const a = parsed[k];
    const b = parsed[k + 1];
    if (t <= a.step || !b) out[t] = t < a.step ? parsed[0].price : a.price;
    else out[t] = a.price + ((b.price - a.price) * BigInt(t - a.step)) / BigInt(b.step - a.step);
  }
  return out;
}

export interface SyntheticSpec {
  seed: number;
  lead: string;
  correlation: number;
  volBps: number;
  crashBps: number;
  crashFrom: number;
  crashSteps: number;
  start: ReadonlyMap<string, bigint>;
  steps: number;
}

/**
 * Correlated paths from a one-factor model: each step every asset's log return is
 * σ·(√ρ·Z + √(1−ρ)·εᵢ), so any two assets' returns correlate at ρ. During the crash the lead falls by
 * `crashBps` in total (evenly in log terms) and every other asset follows it with beta ρ: at ρ = 0
 * only the lead falls, at ρ = 1 everything falls as one. Returns are doubles (statistics); prices are
 * fixed point, multiplied step by step with 1e-12 resolution.
 */
export function syntheticPaths(spec: SyntheticSpec): Map<string, bigint[]> {
  const normal = gaussian(seededRandom(spec.seed));
  const sigma = spec.volBps / 10_000;
  const rho = spec.correlation;
  const crashLog = Math.log(1 - spec.crashBps / 10_000) / spec.crashSteps;
  const symbols = [...spec.start.keys()];
  const out = new Map(symbols.map((s) => [s, [spec.start.get(s) ?? WAD]]));
  for (let t = 1; t < spec.steps; t++) {
    const z = normal();
    const crashing = t > spec.crashFrom && t <= spec.crashFrom + spec.crashSteps;
    for (const symbol of symbols) {
      const path = out.get(symbol) ?? [];
      const beta = symbol === spec.lead ? 1 : rho;
      const r = sigma * (Math.sqrt(rho) * z + Math.sqrt(1 - rho) * normal()) + (crashing ? beta * crashLog : 0);
      const factor = BigInt(Math.round(Math.exp(r) * 1e12));
      path.push((path[t - 1] * factor) / 10n ** 12n);
    }
  }
  return out;
}
