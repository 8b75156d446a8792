import http from 'node:http';
import https from 'node:https';

/** Connections to RPC nodes are kept open between requests (JSON-RPC over HTTP/1.1). */
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
};

/**
 * What viem's HTTP transport reads of a response: status, headers and the whole body as text
 * (with no `body` stream, viem reads `text()`, then checks the size against its limit).
 */
type RpcResponse = Pick<Response, 'ok' | 'status' | 'statusText' | 'headers' | 'body' | 'text' | 'json'>;

/**
 * A `fetch` for JSON-RPC over node:http with keep-alive, for viem's HTTP transport. Node's global
 * `fetch` (undici, web streams) costs a relayer a fifth of its CPU at full load; a request here
 * is one buffered write and one buffered read. It takes what viem passes: a URL, a method, string
 * headers, a string body and an abort signal (viem's timeout).
 */
export function rpcFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  const agent = url.protocol === 'https:' ? AGENTS['https:'] : url.protocol === 'http:' ? AGENTS['http:'] : undefined;
  if (!agent) return Promise.reject(new TypeError(`rpcFetch: unsupported protocol ${url.protocol}`));
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init.headers)),
        agent,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          const headers = new Headers();
          for (const [key, value] of Object.entries(res.headers))
            if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
          const response: RpcResponse = {
            ok: status >= 200 && status < 300,
            status,
            statusText: res.statusMessage ?? '',
            headers,
            body: null,
            text: () => Promise.resolve(text),
            json: () => Promise.resolve(JSON.parse(text) as unknown),
          };
          resolve(response as Response); // viem reads only the fields of RpcResponse
        });
      },
    );
    req.on('error', reject);
    req.end(typeof init.body === 'string' ? init.body : undefined);
  });
}
