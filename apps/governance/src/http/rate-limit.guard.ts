import { HttpException, HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';

interface Request {
  method: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/**
 * Writes per client address and minute (fixed window); reads are never limited. A small guard of our
 * own: @nestjs/throttler is published as CommonJS requiring the ESM-only Nest 12, which Jest's ESM
 * runner cannot load.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (req.method === 'GET' || req.method === 'HEAD') return true;
    const client = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const now = Date.now();
    const w = this.windows.get(client);
    if (!w || now - w.start >= 60_000) {
      this.windows.set(client, { start: now, count: 1 });
      if (this.windows.size > 10_000) this.prune(now);
      return true;
    }
    w.count += 1;
    if (w.count > this.perMinute) {
      const retry = Math.ceil((w.start + 60_000 - now) / 1000);
      throw new HttpException(
        {
          statusCode: 429,
          error: 'RATE_LIMITED',
          message: `more than ${this.perMinute} writes a minute; retry in ${retry} s`,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    return true;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(k);
  }
}
