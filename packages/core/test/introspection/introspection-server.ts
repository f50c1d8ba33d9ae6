import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { IntrospectionOptions, VerifierOptions } from '@tokenguard/core'
import { AUDIENCE, makeKey, type TestKey } from '../support/keys.js'

/** One request the endpoint received, as the authorization server saw it. */
export interface CapturedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  form: URLSearchParams
}

export type Answer = (request: CapturedRequest, res: ServerResponse) => void

/**
 * A real introspection endpoint on 127.0.0.1 whose answer each test sets (`answer`), for the faults the
 * test issuer never makes: garbage, hangs, redirects, huge bodies. It records every request, and serves
 * discovery for `issuer` (its own origin) announcing `${url}/introspect`.
 */
export interface IntrospectionServer {
  /** The issuer identifier whose metadata this server serves: the origin. */
  issuer: string
  /** The introspection endpoint: `${issuer}/introspect`. */
  endpoint: string
  /** Requests received at any path but discovery. */
  requests: CapturedRequest[]
  /** Discovery requests received (any `/.well-known/` path; only OpenID's answers). */
  discoveries: number
  /** What the endpoint answers; default `{ active: true, …valid claims }`. */
  answer: Answer
  /** The discovery document; `undefined` answers 500. */
  metadata: Record<string, unknown> | undefined
  close(): Promise<void>
}

/** `exp` an hour away, `aud` = AUDIENCE: an answer the default verifier accepts. */
export function activeClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { active: true, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 3600, ...overrides }
}

export function json(body: unknown, status = 200, type = 'application/json'): Answer {
  return (_request, res) => void res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body))
}

export async function startIntrospectionServer(): Promise<IntrospectionServer> {
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path.startsWith('/.well-known/')) {
      api.discoveries++
      if (path !== '/.well-known/openid-configuration') return void res.writeHead(404).end()
      if (api.metadata === undefined) return void res.writeHead(500).end()
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(api.metadata))
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request: CapturedRequest = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      }
      api.requests.push(request)
      api.answer(request, res)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const api: IntrospectionServer = {
    issuer,
    endpoint: `${issuer}/introspect`,
    requests: [],
    discoveries: 0,
    answer: json(activeClaims()),
    metadata: { issuer, introspection_endpoint: `${issuer}/introspect` },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
  return api
}

/** The issuer's signing key (static `keys`): JWTs and signed answers in these tests are signed with it. */
let issuerKey: Promise<TestKey> | undefined
export function serverKey(): Promise<TestKey> {
  issuerKey ??= makeKey('ES256', { kid: 'as-key' })
  return issuerKey
}

/**
 * Verifier options with one issuer: the server's, static keys, and `introspection` at its endpoint with
 * `client_secret_basic` unless `introspection` says otherwise.
 */
export async function optionsFor(
  server: IntrospectionServer,
  introspection: Partial<IntrospectionOptions> = {},
  extra: Partial<VerifierOptions> = {},
): Promise<VerifierOptions> {
  return {
    issuer: [
      {
        issuer: server.issuer,
        keys: (await serverKey()).publicJwk,
        introspection: {
          endpoint: server.endpoint,
          clientId: 'orders-api',
          clientSecret: 'secret',
          ...introspection,
        } as IntrospectionOptions,
      },
    ],
    audience: AUDIENCE,
    ...extra,
  }
}

/** An opaque token, as servers issue them: random base64url, never a JWT. */
export function opaqueToken(label = 'x'): string {
  return `${label}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
}
