import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../platform';

/**
 * A TCP link between one process and a server that a fault test can cut, as a network partition would: it listens on
 * a free port of its own and relays each connection to the target. `cut()` closes the connections through it and
 * refuses new ones, while the server and its other clients carry on; `restore()` accepts again on the same port.
 * Give `url` to one service (PlatformOptions.serviceEnv) to partition that service alone, the machine's shared
 * servers included, which are never stopped.
 */
export class TcpLink {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: URL,
    readonly port: number,
  ) {}

  /** A link to `target`, a URL with a host and a port (`nats://127.0.0.1:4222`), open. */
  static async open(target: string): Promise<TcpLink> {
    const link = new TcpLink(new URL(target), await freePort());
    await link.restore();
    return link;
  }

  /** The target's URL through the link: its scheme, this link's address. */
  get url(): string {
    const url = new URL(this.target.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href.replace(/\/$/, '');
  }

  get isCut(): boolean {
    return this.server === undefined;
  }

  /** Accepts connections again (a no-op while open). */
  async restore(): Promise<void> {
    if (this.server) return;
    // Half-open both ways: a side that has said all still gets its answer, as it would without the link.
    const server = createServer({ allowHalfOpen: true }, (inbound) => {
      const outbound = connect({ port: Number(this.target.port), host: this.target.hostname, allowHalfOpen: true });
      for (const [from, to] of [
        [inbound, outbound],
        [outbound, inbound],
      ]) {
        this.sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Closes every connection through the link and refuses new ones until `restore()`. */
  async cut(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
