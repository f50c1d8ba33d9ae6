import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, type JWK, type JWTPayload } from 'jose'
import { TestIntrospectionEndpoint, type TestIntrospectionClient } from './introspection-endpoint.js'
import { assertSigningAlgorithm, KeyRing, type SigningAlgorithm } from './signing-keys.js'

/** Options of {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /** Algorithm of the default signing key. Default: `RS256`. */
  alg?: SigningAlgorithm
  /** Default `aud` of signed tokens, also exposed as `issuer.audience`. Default: `'https://api.test'`. */
  audience?: string | string[]
  /** Default lifetime of signed tokens, in seconds. Default: 3 600. */
  expiresIn?: number
  /** Default `sub` of signed tokens. Default: `'test-user'`. */
  subject?: string
  /** Extra claims put in every token (a token's own claims win). Default: none. */
  claims?: JWTPayload
  /** Current time in milliseconds since the epoch, used for `iat` and `exp`. Default: `Date.now`. */
  now?: () => number
  /** Path appended to the origin to form the issuer identifier, e.g. `'/realms/test'`. Default: none. */
  path?: string
  /** Port to listen on (loopback only). Default: 0, a free port. */
  port?: number
  /**
   * Serve an introspection endpoint (RFC 7662) for this client, announced as `introspection_endpoint`.
   * It knows every token the issuer made (`sign` and `issueOpaqueToken`). Default: none.
   */
  introspection?: TestIntrospectionClient
}

/** Options of {@link TestIssuer.sign}. */
export interface TestSignOptions {
  /** Sign with the current key of this algorithm (made and published on first use). Default: the issuer's `alg`. */
  alg?: SigningAlgorithm
  /** Lifetime in seconds from `iat`; negative gives an expired token; `null` leaves `exp` out. */
  expiresIn?: number | null
  /** `aud` of this token; `null` leaves it out. Default: the issuer's `audience`. */
  audience?: string | string[] | null
  /** `typ` header parameter; `null` leaves it out. `'at+jwt'` also adds a default `client_id`. Default: `'JWT'`. */
  typ?: string | null
  /** Header parameters added last: they may override `alg`, `kid` and `typ` (for negative tests). */
  header?: Record<string, unknown>
}

/** A running local issuer. See {@link createTestIssuer}. */
export interface TestIssuer {
  /** The issuer identifier (`iss`), e.g. `http://127.0.0.1:53411`. Pass it as the verifier's `issuer`. */
  readonly url: string
  /** The JWK Set URL, as announced by discovery. */
  readonly jwksUri: string
  /** The OpenID Connect discovery document URL. */
  readonly discoveryUri: string
  /** The default `aud` of signed tokens. Pass it as the verifier's `audience`. */
  readonly audience: string | string[]
  /** `kid` of the current default signing key. */
  readonly kid: string
  /**
   * Signs a token. Defaults: `iss`, `aud`, `sub`, `iat`, `exp` and a random `jti`; `claims` override them,
   * and a claim set to `undefined` is left out.
   */
  sign(claims?: JWTPayload, options?: TestSignOptions): Promise<string>
  /**
   * Key rotation: makes a new current key for every algorithm in use and signs with it from now on.
   * By default the old keys are retired (removed from the JWK Set, so their tokens fail with
   * `key_not_found`); `{ retire: false }` keeps them published, as issuers do during a rollover.
   */
  rotate(options?: { retire?: boolean }): Promise<void>
  /** The public JWK Set currently served (for static `keys` configuration). */
  jwks(): { keys: JWK[] }
  /** The introspection endpoint's URL (with the `introspection` option), else `undefined`. */
  readonly introspectionEndpoint: string | undefined
  /**
   * Makes an opaque (reference) access token for `claims` (the same defaults as `sign`), known to the
   * introspection endpoint. Needs the `introspection` option.
   */
  issueOpaqueToken(claims?: JWTPayload, options?: Pick<TestSignOptions, 'expiresIn' | 'audience'>): string
  /** Makes the introspection endpoint answer `active: false` for a token from now on (revocation). */
  revokeToken(token: string): void
  /** How many times each path was requested, e.g. to assert JWK Set caching. */
  readonly hits: ReadonlyMap<string, number>
  /** Stops the server and drops open connections. Signing keeps working (useful for outage tests). */
  close(): Promise<void>
}

const DEFAULT_AUDIENCE = 'https://api.test'
const DEFAULT_LIFETIME_SECONDS = 3600

function checkOptions(options: TestIssuerOptions): void {
  if (options.alg !== undefined) assertSigningAlgorithm(options.alg, 'alg')
  if (options.expiresIn !== undefined && !Number.isFinite(options.expiresIn))
    throw new TypeError('@tokenguard/testing: option "expiresIn" must be a number of seconds')
  if (options.path !== undefined && !/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(options.path))
    throw new TypeError('@tokenguard/testing: option "path" must look like "/realms/test"')
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

/**
 * Starts a real OpenID issuer on 127.0.0.1: a discovery document (OpenID Connect Discovery 1.0 and
 * RFC 8414) and a JWK Set over HTTP, with keys generated at run time. Use it in tests and development
 * instead of mocking; never in production.
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer()
 * app.use(jwtAuth({ issuer: issuer.url, audience: issuer.audience }))
 * const token = await issuer.sign({ scope: 'read:items' })
 * // …
 * await issuer.close()
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  checkOptions(options)
  const defaultAlg = options.alg ?? 'RS256'
  const audience = options.audience ?? DEFAULT_AUDIENCE
  const now = options.now ?? Date.now
  const ring = new KeyRing()
  await ring.current(defaultAlg)

  const hits = new Map<string, number>()
  let origin = ''
  const path = (options.path ?? '').replace(/\/$/, '')
  const wellKnown = {
    openid: `${path}/.well-known/openid-configuration`,
    oauth: `/.well-known/oauth-authorization-server${path}`,
  }
  const metadata = () => ({
    issuer: origin + (options.path ?? ''),
    jwks_uri: `${origin}${path}/jwks`,
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [defaultAlg],
    token_endpoint_auth_methods_supported: ['none'],
    ...(endpoint === undefined ? {} : { introspection_endpoint: `${origin}${path}/introspect` }),
  })

  const endpoint =
    options.introspection === undefined
      ? undefined
      : new TestIntrospectionEndpoint({
          client: options.introspection,
          issuer: () => url,
          now,
          signAnswer: async (jwt) => {
            const key = await ring.current(defaultAlg)
            return jwt
              .setProtectedHeader({ alg: defaultAlg, kid: key.kid, typ: 'token-introspection+jwt' })
              .sign(key.privateKey)
          },
        })

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname
    hits.set(pathname, (hits.get(pathname) ?? 0) + 1)
    if (endpoint !== undefined && pathname === `${path}/introspect`) {
      endpoint.handle(req, res).catch(() => res.writeHead(500).end())
      return
    }
    let body: unknown
    if (req.method !== 'GET' && req.method !== 'HEAD') body = undefined
    else if (pathname === wellKnown.openid || pathname === wellKnown.oauth) body = metadata()
    else if (pathname === `${path}/jwks`) body = ring.jwks()
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  const port = await listen(server, options.port ?? 0)
  origin = `http://127.0.0.1:${port}`
  const url = origin + (options.path ?? '')

  function claimsOf(claims: JWTPayload, signOptions: TestSignOptions): JWTPayload {
    const iat = Math.floor(now() / 1000)
    const lifetime =
      signOptions.expiresIn === undefined
        ? (options.expiresIn ?? DEFAULT_LIFETIME_SECONDS)
        : signOptions.expiresIn
    const aud = signOptions.audience === undefined ? audience : signOptions.audience
    const typ = signOptions.typ === undefined ? 'JWT' : signOptions.typ
    const payload: JWTPayload = {
      iss: url,
      ...(aud === null ? {} : { aud }),
      sub: options.subject ?? 'test-user',
      ...(typ === 'at+jwt' ? { client_id: 'test-client' } : {}),
      iat,
      ...(lifetime === null ? {} : { exp: iat + lifetime }),
      jti: randomUUID(),
      ...options.claims,
      ...claims,
    }
    // JSON drops `undefined`, which is how a caller leaves a default claim out.
    return JSON.parse(JSON.stringify(payload)) as JWTPayload
  }

  async function sign(claims: JWTPayload = {}, signOptions: TestSignOptions = {}): Promise<string> {
    const alg = signOptions.alg ?? defaultAlg
    assertSigningAlgorithm(alg, 'alg')
    const key = await ring.current(alg)
    const typ = signOptions.typ === undefined ? 'JWT' : signOptions.typ
    const header = { alg, kid: key.kid, ...(typ === null ? {} : { typ }), ...signOptions.header }
    const payload = claimsOf(claims, signOptions)
    const token = await new SignJWT(payload)
      .setProtectedHeader(header as { alg: string })
      .sign(key.privateKey)
    endpoint?.remember(token, payload)
    return token
  }

  function needEndpoint(): TestIntrospectionEndpoint {
    if (endpoint === undefined)
      throw new TypeError('@tokenguard/testing: pass the "introspection" option to createTestIssuer first')
    return endpoint
  }

  return {
    url,
    jwksUri: `${origin}${path}/jwks`,
    discoveryUri: origin + wellKnown.openid,
    audience,
    get kid() {
      return (ring.peek(defaultAlg) as { kid: string }).kid
    },
    sign,
    introspectionEndpoint: endpoint === undefined ? undefined : `${origin}${path}/introspect`,
    issueOpaqueToken: (claims = {}, signOptions = {}) =>
      needEndpoint().issueOpaque(claimsOf(claims, { ...signOptions, typ: 'at+jwt' })),
    revokeToken: (token) => needEndpoint().revoke(token),
    rotate: (rotateOptions = {}) => ring.rotate(rotateOptions.retire ?? true),
    jwks: () => ring.jwks(),
    hits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve()
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive connections (fetch pools them) would otherwise hold the server open.
        server.closeAllConnections()
      }),
  }
}
