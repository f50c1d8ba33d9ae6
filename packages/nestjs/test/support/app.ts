import type { INestApplication, LoggerService, Type } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'

/** Nest's two HTTP platforms, as the conformance table and the module tests run them. */
export const PLATFORMS = ['nest-express', 'nest-fastify'] as const
export type Platform = (typeof PLATFORMS)[number]

/** A Nest app listening on 127.0.0.1. */
export interface RunningApp {
  url: string
  app: INestApplication
  close(): Promise<void>
}

/** Nest's error log lines go to `console.error`, so tests can search them (for tokens, for the 503 cause). */
export const consoleErrorLogger: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: (...args: unknown[]) => console.error(...args),
}

/**
 * Creates `module` on `platform` with Nest's default exception filter, small urlencoded and JSON body
 * parsers (what the `body` option reads), and starts it on port 0. `setup` runs before `listen`.
 */
export async function startApp(
  module: Type<unknown>,
  platform: Platform,
  setup: (app: INestApplication) => void = () => undefined,
): Promise<RunningApp> {
  let app: INestApplication
  if (platform === 'nest-express') {
    const express = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), {
      bodyParser: false,
      logger: consoleErrorLogger,
    })
    express.useBodyParser('json', { limit: '16kb' })
    express.useBodyParser('urlencoded', { extended: false, limit: '16kb' })
    app = express
  } else {
    // Nest's Fastify adapter parses form bodies itself, bounded by `bodyLimit`.
    app = await NestFactory.create(module, new FastifyAdapter({ bodyLimit: 16 * 1024 }), {
      logger: consoleErrorLogger,
    })
  }
  setup(app)
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  return { url, app, close: () => app.close() }
}
