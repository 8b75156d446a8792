export type RiskErrorCode =
  /** an argument outside its domain: a confidence of 100 %, a non-positive price, λ outside (0, 1) */
  | 'INVALID_INPUT'
  /** price histories of one computation that do not cover the same timestamps */
  | 'MISALIGNED_HISTORY'
  /** too few observations for the window or horizon asked for */
  | 'INSUFFICIENT_HISTORY';

export class RiskError extends Error {
  override name = 'RiskError';
  constructor(
    readonly code: RiskErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Throws INVALID_INPUT when `condition` holds. A message that interpolates values is passed as a
 * function, so it is only built on failure: the checks sit on the per-segment path, where building
 * every message (numbers and bigints to strings) would cost more than the check.
 */
export function invalid(condition: boolean, message: string | (() => string)): void {
  if (condition) throw new RiskError('INVALID_INPUT', typeof message === 'string' ? message : message());
}
