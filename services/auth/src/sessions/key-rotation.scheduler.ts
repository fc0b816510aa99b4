import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SigningKeyRing } from './signing-keys';

const CHECK_EVERY_MS = 60 * 60_000;

/** Makes the first signing key at start, then checks hourly whether the current one is due for rotation. */
@Injectable()
export class KeyRotationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(private readonly keys: SigningKeyRing) {}

  async onApplicationBootstrap() {
    await this.keys.rotateIfDue(new Date());
    this.timer = setInterval(() => void this.keys.rotateIfDue(new Date()).catch(() => undefined), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }
}
