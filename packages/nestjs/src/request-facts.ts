import { socketCertificate } from '@tokenguard/core'
import type { IncomingHttpHeaders } from 'node:http'
import type { RequestFacts, RequestUrl, VerifiedToken } from '@tokenguard/core'

/**
 * What the guard reads of a request, common to Nest's Express platform (Node's request) and its Fastify
 * platform (the Fastify request, whose Node request is `raw`). `auth` is set by `TokenguardGuard`.
 */
export interface AuthRequest {
  readonly method: string
  /** Path and query, as received. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  /** Express platform: Node's raw header list. */
  readonly rawHeaders?: readonly string[]
  /** Fastify platform: Node's request. */
  readonly raw?: { readonly rawHeaders: readonly string[]; readonly socket?: unknown }
  /** Express platform: the connection (its TLS client certificate, for `mtls`). */
  readonly socket?: unknown
  /** The parsed body (for the `body` option). */
  readonly body?: unknown
  /** The verified token, an own property set by `TokenguardGuard`; absent when none was verified. */
  auth?: VerifiedToken
}

/** What Express adds to Node's request (Nest's Express platform). */
interface ExpressView {
  readonly protocol: string
  readonly originalUrl: string
  readonly socket: { readonly remoteAddress?: string | undefined }
  readonly app: { get(setting: 'trust proxy fn'): (address: string | undefined, hop: number) => boolean }
  get(header: string): string | undefined
}

/** What Fastify's request says of where it was sent (Nest's Fastify platform). */
interface FastifyView {
  readonly protocol: string
  /** Fastify 5: host with port (`hostname` is the same on Fastify 4). */
  readonly host?: string
  readonly hostname: string
}

/** Node's raw header list: the request's own (Express) or its `raw` request's (Fastify). */
function rawHeadersOf(request: AuthRequest): readonly string[] | undefined {
  return isFastifyRequest(request) ? request.raw?.rawHeaders : request.rawHeaders
}

/** True on Nest's Fastify platform: the request wraps Node's, as `raw`. */
function isFastifyRequest(request: AuthRequest): boolean {
  return typeof request.raw === 'object' && request.raw !== null
}

/**
 * Where the client sent the request (DPoP's `htu`, RFC 9449 §4.3), as the platform sees it, so that its
 * trust-proxy setting decides whether `X-Forwarded-*` count. Express: `req.protocol`, the host as
 * Express 5's `req.host` reads it (port kept), `originalUrl`. Fastify: `protocol`, `host`, `url`.
 */
export function requestUrl(request: AuthRequest): RequestUrl {
  if (isFastifyRequest(request)) {
    const fastify = request as unknown as FastifyView
    return { protocol: fastify.protocol, host: fastify.host ?? fastify.hostname, path: request.url }
  }
  const req = request as unknown as ExpressView
  const trust = req.app.get('trust proxy fn')
  let host = req.get('X-Forwarded-Host')
  if (host === undefined || !trust(req.socket.remoteAddress, 0)) host = req.get('Host')
  else if (host.includes(',')) host = host.slice(0, host.indexOf(',')).trimEnd()
  return { protocol: req.protocol, host: host ?? '', path: req.originalUrl }
}

/**
 * The facts the core's authenticator decides on, from either platform's request. Kept with
 * {@link requestUrl}: what the core needs of a request is read in this one file.
 */
export function requestFacts(request: AuthRequest, readsBody: boolean): RequestFacts {
  return {
    method: request.method,
    headers: request.headers,
    rawHeaders: rawHeadersOf(request),
    url: request.url,
    // The parsed body is read only when the `body` option asks for it.
    body: readsBody ? request.body : undefined,
  }
}

declare global {
  // Types `req.auth` for `@Req() req: Request` on the Express platform (as `@tokenguard/express` does; the
  // two declarations are identical and merge). Harmless where Express's types are not installed.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified token, set by `TokenguardGuard` (or `jwtAuth()`). Absent when none was verified. */
      auth?: VerifiedToken
    }
  }
}

/**
 * The TLS client certificate of the connection (for `mtls`), when the app terminates TLS itself: Node's
 * socket on the Express platform, the raw request's on the Fastify platform.
 */
export function clientCertificate(request: AuthRequest) {
  return socketCertificate(request.raw?.socket ?? request.socket)
}
