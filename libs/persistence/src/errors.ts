export enum PersistenceErrorCode {
  OpenFailed = 'OPEN_FAILED',
  InUse = 'IN_USE',
  MigrationFailed = 'MIGRATION_FAILED',
}

export class PersistenceError extends Error {
  constructor(
    readonly code: PersistenceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PersistenceError';
  }
}
