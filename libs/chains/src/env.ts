import { isHex, type Hex } from 'viem';

/**
 * Reads settings from environment variables, collecting every problem instead of stopping at the
 * first, so a process refuses to boot with the whole list. Empty values count as unset.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Record<string, string | undefined>) {}

  /** The raw value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === '' ? undefined : v;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max)
      this.problems.push(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
    return n;
  }

  /** A block number: digits, read as a bigint. */
  block(name: string, fallback: bigint): bigint {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!/^\d{1,20}$/.test(raw)) {
      this.problems.push(`${name} must be a block number, got "${raw}"`);
      return fallback;
    }
    return BigInt(raw);
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (raw !== 'true' && raw !== 'false') this.problems.push(`${name} must be true or false, got "${raw}"`);
    return raw === 'true';
  }

  /** A 32-byte hex private key (`label` names it in the problem, e.g. `KEYS[1]`). */
  privateKey(label: string, raw: string): Hex {
    if (!isHex(raw) || raw.length !== 66) this.problems.push(`${label} must be a 32-byte hex private key`);
    return raw as Hex; // a wrong value is reported above and the settings are refused
  }
}
