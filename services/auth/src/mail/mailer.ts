import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** What kind of mail it is, for the log (never the recipient or the link). */
  template: 'verify-email' | 'invitation';
}

export interface MailerSettings {
  smtpUrl?: string;
  from: string;
  nodeEnv: string;
}

/**
 * Sends mail through SMTP (nodemailer). Without `SMTP_URL` outside production, each mail, link included, is written
 * to the service log instead, where `npm start` prints it. In production a link never reaches a log: with SMTP the
 * log says only which kind of mail went out, and without it (a misconfiguration, logged at start and at every mail)
 * nothing is sent and nothing of the mail is logged.
 */
export class Mailer {
  private readonly transport?: Transporter;

  constructor(
    private readonly settings: MailerSettings,
    private readonly logger: Logger,
  ) {
    if (settings.smtpUrl) this.transport = createTransport(settings.smtpUrl);
    else if (this.production)
      logger.error('SMTP_URL is not set: no mail goes out, so nobody can verify an address or accept an invitation');
  }

  private get production(): boolean {
    return this.settings.nodeEnv === 'production';
  }

  /** True when the mail was handed to the SMTP server (or logged in development); false after a logged failure. */
  async send(mail: Mail): Promise<boolean> {
    if (!this.transport && this.production) {
      this.logger.error({ template: mail.template }, 'mail not sent: SMTP_URL is not set');
      return false;
    }
    if (!this.transport) {
      this.logger.warn(
        { mail: { to: mail.to, subject: mail.subject, text: mail.text } },
        `mail not sent (no SMTP_URL, development): ${mail.subject}\n${mail.text}`,
      );
      return true;
    }
    try {
      await this.transport.sendMail({ from: this.settings.from, to: mail.to, subject: mail.subject, text: mail.text });
      this.logger.info({ template: mail.template }, 'mail sent');
      return true;
    } catch (err) {
      this.logger.error({ template: mail.template, err: (err as Error).message }, 'mail could not be sent');
      return false;
    }
  }

  close(): void {
    this.transport?.close();
  }
}
