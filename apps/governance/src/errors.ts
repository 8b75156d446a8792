/** What went wrong, mapped to an HTTP status only in the exception filter. */
export type GovernanceErrorCode =
  | 'INVALID' // 400: the request names a field with a bad value
  | 'FORBIDDEN' // 403: a signer that is not a governor, a freeze not from the guardian
  | 'NOT_FOUND' // 404: unknown proposal or segment
  | 'CONFLICT' // 409: a duplicate signature, a segment that already exists, a proposal past that stage
  | 'GONE' // 410: a proposal past its deadline
  | 'CHAIN'; // 502: the chain refused or could not be reached

export class GovernanceError extends Error {
  override name = 'GovernanceError';
  constructor(
    readonly code: GovernanceErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A 400 naming the field: `route.capacity: must be greater than 0`. */
export const invalid = (field: string, why: string): never => {
  throw new GovernanceError('INVALID', `${field}: ${why}`);
};
