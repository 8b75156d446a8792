export type SimulationErrorCode =
  /** a scenario file that does not follow the documented format (the message names the field) */
  | 'INVALID_SCENARIO'
  /** a scenario name that no file defines */
  | 'UNKNOWN_SCENARIO'
  /** an argument outside its domain */
  | 'INVALID_INPUT';

export class SimulationError extends Error {
  override name = 'SimulationError';
  constructor(
    readonly code: SimulationErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
