import { describe, expect, it } from '@jest/globals';
import { EnvReader } from './env.js';

describe('EnvReader', () => {
  it('reads values, falls back on unset or empty ones, and collects every problem', () => {
    const e = new EnvReader({ A: '7', B: '', C: '1.5', D: 'true', K: `0x${'ab'.repeat(32)}` });
    expect(e.int('A', 1, 0, 10)).toBe(7);
    expect(e.int('B', 3, 0, 10)).toBe(3);
    expect(e.number('C', 0, 0, 2)).toBe(1.5);
    expect(e.bool('D', false)).toBe(true);
    expect(e.string('MISSING', 'x')).toBe('x');
    expect(e.privateKey('K', `0x${'ab'.repeat(32)}`)).toBe(`0x${'ab'.repeat(32)}`);
    expect(new EnvReader({ N: '18446744073709551615' }).block('N', 0n)).toBe(2n ** 64n - 1n); // above 2^53, exact
    expect(e.block('MISSING', 5n)).toBe(5n);
    expect(e.problems).toEqual([]);

    const bad = new EnvReader({ A: '11', C: 'x', D: 'yes', N: '-1' });
    bad.int('A', 1, 0, 10);
    bad.number('C', 0, 0, 2);
    bad.bool('D', false);
    bad.privateKey('KEYS[0]', '0x12');
    bad.block('N', 0n);
    expect(bad.problems).toEqual([
      'A must be a whole number from 0 to 10, got "11"',
      'C must be a number from 0 to 2, got "x"',
      'D must be true or false, got "yes"',
      'KEYS[0] must be a 32-byte hex private key',
      'N must be a block number, got "-1"',
    ]);
  });
});
