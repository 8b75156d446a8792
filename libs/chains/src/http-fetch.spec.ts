import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPublicClient, http, HttpRequestError, TimeoutError } from 'viem';
import { rpcFetch } from './http-fetch.js';

/** A JSON-RPC node stand-in: eth_blockNumber answers 0x2a; the path picks a failure. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    if (req.url === '/down') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('node is syncing');
      return;
    }
    if (req.url === '/silent') return; // never answers
    const calls = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
    const answer = (c: { id: number; method: string }) =>
      c.method === 'eth_blockNumber'
        ? { jsonrpc: '2.0', id: c.id, result: '0x2a' }
        : { jsonrpc: '2.0', id: c.id, error: { code: -32601, message: `no method ${c.method}` } };
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(Array.isArray(calls) ? calls.map(answer) : answer(calls)));
  });
}

describe('rpcFetch (viem over node:http)', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`; // listening on TCP
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (path: string, batch = false) =>
    createPublicClient({
      transport: http(`${base}${path}`, { fetchFn: rpcFetch, retryCount: 0, timeout: 300, batch }),
    });

  it('carries single and batched JSON-RPC calls', async () => {
    expect(await client('/').getBlockNumber({ cacheTime: 0 })).toBe(42n);
    const batched = client('/', true);
    const numbers = await Promise.all([1, 2, 3].map(() => batched.getBlockNumber({ cacheTime: 0 })));
    expect(numbers).toEqual([42n, 42n, 42n]);
  });

  it("reports a node's HTTP error with its status and body", async () => {
    const error = await client('/down')
      .getBlockNumber({ cacheTime: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).status).toBe(503);
    expect((error as HttpRequestError).details).toContain('node is syncing');
  });

  it('gives up on a node that does not answer within the timeout', async () => {
    const error = await client('/silent')
      .getBlockNumber({ cacheTime: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('refuses a URL that is not http(s)', async () => {
    await expect(rpcFetch('ftp://127.0.0.1/', { method: 'POST' })).rejects.toThrow('unsupported protocol ftp:');
  });
});
