import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Request {
  id?: unknown;
  method?: string;
  params?: unknown[];
}

export interface RpcProxy {
  url: string;
  /** How many requests it refused so far. */
  refused: number;
  close(): Promise<void>;
}

/**
 * A JSON-RPC endpoint in front of a node that refuses what a provider would: each request for
 * which `refuse(method, params)` names a reason gets a JSON-RPC error with it (code -32005, as
 * providers answer a limit); everything else is passed to the node and its answer back.
 */
export async function startRpcProxy(
  target: string,
  refuse: (method: string, params: readonly unknown[]) => string | undefined,
): Promise<RpcProxy> {
  const proxy: RpcProxy = { url: '', refused: 0, close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Request | Request[];
      const requests = Array.isArray(body) ? body : [body]; // viem batches requests
      const refusals = new Map<Request, unknown>();
      for (const r of requests) {
        const reason = refuse(r.method ?? '', r.params ?? []);
        if (reason === undefined) continue;
        proxy.refused += 1;
        refusals.set(r, { jsonrpc: '2.0', id: r.id ?? null, error: { code: -32005, message: reason } });
      }
      const passed = requests.filter((r) => !refusals.has(r));
      const answered: Promise<unknown[]> =
        passed.length === 0
          ? Promise.resolve([])
          : fetch(target, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(Array.isArray(body) ? passed : passed[0]),
            })
              .then((answer): Promise<unknown> => answer.json())
              .then((answer): unknown[] => (Array.isArray(answer) ? (answer as unknown[]) : [answer]));
      answered
        .then((answers) => {
          const byId = new Map(answers.map((a) => [(a as { id?: unknown }).id, a]));
          const all = requests.map((r) => refusals.get(r) ?? byId.get(r.id));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(Array.isArray(body) ? all : all[0]));
        })
        .catch((error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
