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

export function invalid(condition: boolean, message: string): void {
  if (condition) throw new RiskError('INVALID_INPUT', message);
}
