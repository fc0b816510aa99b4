import { Writable } from 'node:stream';
import pino from 'pino';
import { Mailbox } from '@llmlab/testing';
import { Mailer } from './mailer';

function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), text: () => lines.join('') };
}

const mail = {
  template: 'verify-email' as const,
  to: 'ada@example.com',
  subject: 'Verify your email address for LLMLab',
  text: 'Open https://app.example/verify-email?token=SECRET-TOKEN-123',
};

describe('Mailer', () => {
  it('sends through SMTP and logs neither the recipient nor the link', async () => {
    const mailbox = await Mailbox.start();
    const { logger, text } = memoryLogger();
    const mailer = new Mailer({ smtpUrl: mailbox.url, from: 'LLMLab <no-reply@llmlab.example>', nodeEnv: 'production' }, logger);
    try {
      expect(await mailer.send(mail)).toBe(true);
      const received = await mailbox.waitFor('ada@example.com');
      expect(received).toMatchObject({ from: 'no-reply@llmlab.example', subject: mail.subject });
      expect(received.text).toContain('token=SECRET-TOKEN-123');
      expect(text()).toContain('mail sent');
      expect(text()).not.toContain('SECRET-TOKEN-123');
      expect(text()).not.toContain('ada@example.com');
    } finally {
      mailer.close();
      await mailbox.stop();
    }
  });

  it('without SMTP in development writes the mail, link included, to the log', async () => {
    const { logger, text } = memoryLogger();
    expect(await new Mailer({ from: 'x@y.z', nodeEnv: 'development' }, logger).send(mail)).toBe(true);
    expect(text()).toContain('token=SECRET-TOKEN-123');
    expect(text()).toContain('ada@example.com');
  });

  it('in production without SMTP sends nothing and logs the misconfiguration, never the mail', async () => {
    const { logger, text } = memoryLogger();
    const mailer = new Mailer({ from: 'x@y.z', nodeEnv: 'production' }, logger);
    expect(text()).toContain('SMTP_URL is not set');
    expect(await mailer.send(mail)).toBe(false);
    expect(text()).not.toContain('SECRET-TOKEN-123');
    expect(text()).not.toContain('ada@example.com');
  });

  it('answers false, without the link in the log, when the SMTP server is unreachable', async () => {
    const mailbox = await Mailbox.start();
    const url = mailbox.url;
    await mailbox.stop();
    const { logger, text } = memoryLogger();
    const mailer = new Mailer({ smtpUrl: url, from: 'x@y.z', nodeEnv: 'production' }, logger);
    expect(await mailer.send(mail)).toBe(false);
    expect(text()).toContain('mail could not be sent');
    expect(text()).not.toContain('SECRET-TOKEN-123');
    mailer.close();
  });
});
