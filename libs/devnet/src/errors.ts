export enum DevnetErrorCode {
  AnvilUnavailable = 'ANVIL_UNAVAILABLE',
  AnvilFailed = 'ANVIL_FAILED',
  ManifestInvalid = 'MANIFEST_INVALID',
  ChainMismatch = 'CHAIN_MISMATCH',
  StepFailed = 'STEP_FAILED',
  BadOptions = 'BAD_OPTIONS',
}

export class DevnetError extends Error {
  constructor(
    readonly code: DevnetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DevnetError';
  }
}
