import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/**
 * A real SMTP server on localhost (the `smtp-server` package) that keeps every message it receives, parsed with
 * `mailparser`: the services send to it through `SMTP_URL` as they would to a provider, and tests read the links
 * out of the received mails.
 */
export class Mailbox {
  readonly mails: ReceivedMail[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<Mailbox> {
    // The server's handler needs the mailbox, which needs the server: a holder ties them.
    const holder: { mailbox?: Mailbox } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            holder.mailbox!.receive({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    holder.mailbox = new Mailbox(server, port);
    return holder.mailbox;
  }

  /** What the services are given as `SMTP_URL`. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Mails received for an address so far, oldest first. */
  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** Waits for the `count`-th mail to an address whose subject matches (the first by default). */
  async waitFor(address: string, subject: RegExp = /./, count = 1, timeoutMs = 15_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.to(address).filter((m) => subject.test(m.subject));
      if (found.length >= count) return found[count - 1];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail #${count} to ${address} matching ${subject} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** The token of the link to `path` (e.g. `/verify-email`) in the latest matching mail to an address. */
  async linkToken(address: string, path: string, subject?: RegExp, count?: number): Promise<string> {
    const mail = await this.waitFor(address, subject, count);
    const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const match = new RegExp(`https?://\\S+${escaped}\\?token=([A-Za-z0-9_%-]+)`).exec(mail.text);
    if (!match) throw new Error(`no ${path} link in the mail to ${address}: ${mail.text}`);
    return decodeURIComponent(match[1]);
  }

  private receive(mail: ReceivedMail): void {
    this.mails.push(mail);
    for (const wake of [...this.waiters]) wake();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
