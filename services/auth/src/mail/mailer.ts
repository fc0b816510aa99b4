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
 * to the service log instead, where `npm start` prints it; production refuses to start without SMTP. With SMTP the
 * log says only which kind of mail went out: a recipient's address and a link's token never reach a log.
 */
export class Mailer {
  private readonly transport?: Transporter;

  constructor(
    private readonly settings: MailerSettings,
    private readonly logger: Logger,
  ) {
    if (settings.smtpUrl) this.transport = createTransport(settings.smtpUrl);
    else if (settings.nodeEnv === 'production')
      throw new Error('SMTP_URL must be set in production: mails (verification, invitations) go out through it');
  }

  /** True when the mail was handed to the SMTP server (or logged in development); false after a logged failure. */
  async send(mail: Mail): Promise<boolean> {
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
