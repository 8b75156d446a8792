import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP hop between the relayers and Postgres, so the suite can take the database away from
 * them the way a network partition or a failover does: every open connection is cut at once
 * and new ones are refused until the outage ends. The server itself keeps running.
 */
export class PgProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;

  private readonly server: Server;
  private port_ = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  get port(): number {
    return this.port_;
  }

  static async start(target: { host: string; port: number }): Promise<PgProxy> {
    const proxy = new PgProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', resolve);
    });
    const address = proxy.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
    proxy.port_ = address.port;
    return proxy;
  }

  private accept(client: Socket): void {
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair = [client, upstream];
    for (const s of pair) {
      this.sockets.add(s);
      s.on('error', () => undefined); // a cut connection is the point
      s.on('close', () => {
        this.sockets.delete(s);
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Cuts every connection and refuses new ones for `ms`. Returns how many connections were cut. */
  async outage(ms: number): Promise<number> {
    this.down = true;
    const cut = this.sockets.size / 2;
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => setTimeout(r, ms));
    this.down = false;
    return cut;
  }

  async close(): Promise<void> {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
