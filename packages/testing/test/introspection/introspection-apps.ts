import { Controller, Get, Module, type Type } from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import Router from '@koa/router'
import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import * as koaAdapter from '@tokenguard/koa'
import {
  Auth,
  RequireAnyScope,
  RequireScopes,
  TokenguardGuard,
  TokenguardModule,
  type TokenguardModuleOptions,
  type VerifiedToken,
} from '@tokenguard/nestjs'
import { Writable } from 'node:stream'
import { expressVersions, listen as listenExpress } from '../../../express/test/support/app.js'
import { fastifyVersions, listen as listenFastify } from '../../../fastify/test/support/app.js'
import { koaVersions, listen as listenKoa } from '../../../koa/test/support/app.js'
import { consoleErrorLogger } from '../../../nestjs/test/support/app.js'

/**
 * One app per framework major and Nest platform, with the same routes, for the introspection suites:
 *
 * - `GET /protected` answers 200 `{ auth, header, binding }` (the verified token's payload, JOSE header and
 *   request binding, or `null`), so a test sees that an introspected token has an empty header;
 * - `GET /scoped` needs every scope of `requireScopes('read', 'write')`;
 * - `GET /any-scope` needs one of `requireAnyScope('admin', 'write')`;
 * - `GET /admin` needs `requireScopes('admin')`.
 *
 * Each app runs in production mode with its framework's default error handling. Express, Koa and Nest log
 * through `console.error`; Fastify logs to `log` (pino, level `info`) so a test can read every line.
 */
export interface IntrospectionApp {
  url: string
  close(): Promise<void>
}

export type IntrospectionAppFactory = (
  options: Record<string, unknown>,
  log?: (line: string) => void,
) => Promise<IntrospectionApp>

const body = (auth: VerifiedToken | null | undefined) => ({
  auth: auth?.payload ?? null,
  header: auth?.header ?? null,
  binding: auth?.binding ?? null,
})

function expressApp(express: (typeof expressVersions)['Express 5']): IntrospectionAppFactory {
  return async (options) => {
    const app = express()
    app.set('env', 'production')
    app.use(expressAdapter.jwtAuth(options as unknown as expressAdapter.JwtAuthOptions))
    app.get('/protected', (req, res) => void res.json(body(req.auth)))
    const ok = (_req: unknown, res: { json(value: unknown): void }) => res.json({ ok: true })
    app.get('/scoped', expressAdapter.requireScopes('read', 'write'), ok)
    app.get('/any-scope', expressAdapter.requireAnyScope('admin', 'write'), ok)
    app.get('/admin', expressAdapter.requireScopes('admin'), ok)
    return listenExpress(app)
  }
}

function koaApp(Koa: (typeof koaVersions)['Koa 3']): IntrospectionAppFactory {
  return async (options) => {
    const app = new Koa({ env: 'production' })
    const router = new Router()
    router.get('/protected', (ctx) => {
      ctx.body = body(ctx.state.auth)
    })
    const ok = (ctx: { body: unknown }) => {
      ctx.body = { ok: true }
    }
    router.get('/scoped', koaAdapter.requireScopes('read', 'write'), ok)
    router.get('/any-scope', koaAdapter.requireAnyScope('admin', 'write'), ok)
    router.get('/admin', koaAdapter.requireScopes('admin'), ok)
    app.use(koaAdapter.jwtAuth(options as unknown as koaAdapter.JwtAuthOptions))
    app.use(router.routes())
    return listenKoa(app)
  }
}

function fastifyApp(fastify: (typeof fastifyVersions)['Fastify 5']): IntrospectionAppFactory {
  return async (options, log) => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log?.(chunk.toString())
        done()
      },
    })
    const app = fastify({ logger: { level: 'info', stream } })
    await app.register(fastifyAdapter.jwtAuth, options as unknown as fastifyAdapter.JwtAuthOptions)
    app.get('/protected', async (request) => body(request.auth))
    const ok = async () => ({ ok: true })
    app.get('/scoped', { preHandler: fastifyAdapter.requireScopes('read', 'write') }, ok)
    app.get('/any-scope', { preHandler: fastifyAdapter.requireAnyScope('admin', 'write') }, ok)
    app.get('/admin', { preHandler: fastifyAdapter.requireScopes('admin') }, ok)
    return listenFastify(app)
  }
}

function nestModule(options: TokenguardModuleOptions): Type<unknown> {
  @Controller()
  class IntrospectionController {
    @Get('protected')
    protected(@Auth() auth: VerifiedToken | undefined) {
      return body(auth)
    }

    @RequireScopes('read', 'write')
    @Get('scoped')
    scoped() {
      return { ok: true }
    }

    @RequireAnyScope('admin', 'write')
    @Get('any-scope')
    anyScope() {
      return { ok: true }
    }

    @RequireScopes('admin')
    @Get('admin')
    admin() {
      return { ok: true }
    }
  }

  @Module({
    imports: [TokenguardModule.forRoot(options)],
    controllers: [IntrospectionController],
    providers: [{ provide: APP_GUARD, useClass: TokenguardGuard }],
  })
  class IntrospectionModule {}
  return IntrospectionModule
}

function nestApp(platform: 'express' | 'fastify'): IntrospectionAppFactory {
  return async (options) => {
    const module = nestModule(options as unknown as TokenguardModuleOptions)
    const app =
      platform === 'express'
        ? await NestFactory.create(module, new ExpressAdapter(), { logger: consoleErrorLogger })
        : await NestFactory.create(module, new FastifyAdapter(), { logger: consoleErrorLogger })
    await app.listen(0, '127.0.0.1')
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
    return { url, close: () => app.close() }
  }
}

/** Every supported framework major and both Nest platforms, by display name. */
export const INTROSPECTION_APPS: Record<string, IntrospectionAppFactory> = {
  'Express 5': expressApp(expressVersions['Express 5']),
  'Express 4': expressApp(expressVersions['Express 4']),
  'Koa 3': koaApp(koaVersions['Koa 3']),
  'Koa 2': koaApp(koaVersions['Koa 2']),
  'Fastify 5': fastifyApp(fastifyVersions['Fastify 5']),
  'Fastify 4': fastifyApp(fastifyVersions['Fastify 4']),
  'Nest (Express platform)': nestApp('express'),
  'Nest (Fastify platform)': nestApp('fastify'),
}

/** A GET with a token in the given scheme, read whole. */
export async function call(
  app: IntrospectionApp,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
  scheme = 'Bearer',
): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> {
  const res = await fetch(`${app.url}${path}`, {
    headers: token === undefined ? headers : { ...headers, authorization: `${scheme} ${token}` },
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  }
}
