import { describe, expect, it } from '@jest/globals';
import { formatAmount, parseAmount } from './amounts.js';

describe('amounts', () => {
  it('parses whole units into base units exactly, with no floating point on the way', () => {
    expect(parseAmount('2500.5', 6)).toBe(2_500_500_000n);
    expect(parseAmount('0.000001', 6)).toBe(1n);
    expect(parseAmount('7', 0)).toBe(7n);
    // beyond 2^53: a number would have rounded it
    expect(parseAmount('123456789012345678.123456789012345678', 18)).toBe(123456789012345678123456789012345678n);
  });

  it('refuses what is not an amount, and more decimals than the asset has', () => {
    expect(() => parseAmount('1.0000001', 6)).toThrow('"1.0000001" has 7 decimals; the asset has 6');
    for (const bad of ['', '-1', '1e6', '1,000', '.5', '1.', 'abc'])
      expect(() => parseAmount(bad, 6)).toThrow(`"${bad}" is not an amount`);
  });

  it('formats base units with thousands separators and the symbol', () => {
    expect(formatAmount(3_499_500_000n, 6, 'USDC')).toBe('3,499.5 USDC');
    expect(formatAmount(0n, 6, 'USDC')).toBe('0 USDC');
    expect(formatAmount(1_000_000_000_000n, 6, 'USDC')).toBe('1,000,000 USDC');
    expect(formatAmount(1n, 18, 'WETH')).toBe('0.000000000000000001 WETH');
  });
});
