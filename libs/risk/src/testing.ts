import { expect } from '@jest/globals';
import { RiskError, type RiskErrorCode } from './errors.js';

/** Test helper (not exported from the lib): `fn` throws a RiskError with `code`. */
export function assertRiskError(fn: () => unknown, code: RiskErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RiskError);
  expect((caught as RiskError).code).toBe(code);
}
