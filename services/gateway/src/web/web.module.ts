import { Module } from '@nestjs/common';
import { BrowserSessionController } from './browser-session.controller';

/** The browser's side of the gateway: session routes with the refresh token in a cookie (static files: web-app.ts). */
@Module({ controllers: [BrowserSessionController] })
export class WebModule {}
