import { Injectable } from '@nestjs/common';
import type { BackgroundWorker } from '@llmlab/service-kit';
import { SigningKeyRing } from './signing-keys';

const CHECK_EVERY_MS = 60 * 60_000;

/** Makes the first signing key at start, then checks hourly whether the current one is due for rotation. */
@Injectable()
export class KeyRotationWorker implements BackgroundWorker {
  readonly name = 'signing-key rotation';
  private timer?: NodeJS.Timeout;

  constructor(private readonly keys: SigningKeyRing) {}

  async start(): Promise<void> {
    await this.keys.rotateIfDue(new Date());
    this.timer = setInterval(() => void this.keys.rotateIfDue(new Date()).catch(() => undefined), CHECK_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}
