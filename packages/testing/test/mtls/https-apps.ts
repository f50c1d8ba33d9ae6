import { createServer, request, type Server, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import * as koaAdapter from '@tokenguard/koa'
import { expressVersions } from '../../../express/test/support/app.js'
import { fastifyVersions } from '../../../fastify/test/support/app.js'
import { koaVersions } from '../../../koa/test/support/app.js'
import { NEST_HTTPS_APPS } from '../../../nestjs/test/support/interop-app.js'
import type { TestCertificate } from '../../../core/test/mtls/support/tls-certificates.js'

/**
 * One HTTPS app per framework version, terminating TLS itself as RFC 8705 §3 deployments do: the server
 * asks every client for a certificate (`requestCert`) and accepts any, self-signed included
 * (`rejectUnauthorized: false`): the token's binding authenticates, not the chain. `GET /protected`
 * answers 200 `{ auth: <payload>, binding: <auth.binding or null> }`.
 */
export interface HttpsApp {
  url: string
  close(): Promise<void>
}

export type HttpsAppFactory = (options: Record<string, unknown>, server: TestCertificate) => Promise<HttpsApp>

function tlsOptions(server: TestCertificate): ServerOptions {
  return { key: server.keyPem, cert: server.pem, requestCert: true, rejectUnauthorized: false }
}

function listen(server: Server): Promise<HttpsApp> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      }),
    )
  })
}

type Express = (typeof expressVersions)['Express 5']
type Koa = (typeof koaVersions)['Koa 3']
type Fastify = (typeof fastifyVersions)['Fastify 5']

const body = (auth: { payload: unknown; binding?: unknown } | null | undefined) => ({
  auth: auth?.payload ?? null,
  binding: auth?.binding ?? null,
})

function expressApp(express: Express): HttpsAppFactory {
  return async (options, certificate) => {
    const app = express()
    app.set('env', 'production')
    app.use(expressAdapter.jwtAuth(options as unknown as expressAdapter.JwtAuthOptions))
    app.get('/protected', (req, res) => void res.json(body(req.auth)))
    return listen(createServer(tlsOptions(certificate), app))
  }
}

function koaApp(Koa: Koa): HttpsAppFactory {
  return async (options, certificate) => {
    const app = new Koa({ env: 'production' })
    app.use(koaAdapter.jwtAuth(options as unknown as koaAdapter.JwtAuthOptions))
    app.use((ctx) => {
      if (ctx.path === '/protected') ctx.body = body(ctx.state.auth)
    })
    return listen(createServer(tlsOptions(certificate), app.callback()))
  }
}

function fastifyApp(fastify: Fastify): HttpsAppFactory {
  return async (options, certificate) => {
    const app = fastify({ https: tlsOptions(certificate) })
    await app.register(fastifyAdapter.jwtAuth, options as unknown as fastifyAdapter.JwtAuthOptions)
    app.get('/protected', async (request) => body(request.auth))
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { url, close: () => app.close() }
  }
}

/** Every supported framework major, by display name. */
export const HTTPS_APPS: Record<string, HttpsAppFactory> = {
  'Express 5': expressApp(expressVersions['Express 5']),
  'Express 4': expressApp(expressVersions['Express 4']),
  'Koa 3': koaApp(koaVersions['Koa 3']),
  'Koa 2': koaApp(koaVersions['Koa 2']),
  'Fastify 5': fastifyApp(fastifyVersions['Fastify 5']),
  'Fastify 4': fastifyApp(fastifyVersions['Fastify 4']),
  // Nest's Express and Fastify platforms, each terminating TLS itself (packages/nestjs/test/support).
  ...NEST_HTTPS_APPS,
}

export interface HttpsResponse {
  status: number
  wwwAuthenticate: string | undefined
  body: string
}

/**
 * One request on a fresh TLS connection (no agent: no session reuse between client certificates),
 * presenting `client` when given. The server's self-signed certificate is trusted as the CA.
 */
export function httpsGet(
  url: string,
  server: TestCertificate,
  options: { headers?: Record<string, string>; client?: TestCertificate },
): Promise<HttpsResponse> {
  const { client } = options
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL('/protected', url),
      {
        agent: false,
        ca: server.pem,
        headers: options.headers ?? {},
        ...(client === undefined ? {} : { cert: client.pem, key: client.keyPem }),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            wwwAuthenticate: res.headers['www-authenticate'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end()
  })
}
