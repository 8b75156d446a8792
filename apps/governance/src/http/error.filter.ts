import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { GovernanceError, type GovernanceErrorCode } from '../errors.js';

/** The part of Express's response this filter uses (the platform's types are not a dependency). */
interface JsonResponse {
  status(code: number): { json(body: unknown): void };
}

const STATUS: Record<GovernanceErrorCode, number> = {
  INVALID: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  CHAIN: 502,
};

/**
 * Every error as `{ statusCode, error, message }`: governance errors by their code, Nest's own
 * (validation, malformed JSON, throttling) as they are, anything else as a 500 that is logged.
 */
@Catch()
export class GovernanceErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('Governance');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<JsonResponse>();
    if (error instanceof GovernanceError) {
      res
        .status(STATUS[error.code])
        .json({ statusCode: STATUS[error.code], error: error.code, message: error.message });
      return;
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      res
        .status(error.getStatus())
        .json(typeof body === 'string' ? { statusCode: error.getStatus(), message: body } : body);
      return;
    }
    this.log.error({ at: 'Governance#error', message: error instanceof Error ? error.message : String(error) });
    res.status(500).json({ statusCode: 500, error: 'INTERNAL', message: 'internal error' });
  }
}
