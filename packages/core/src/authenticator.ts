import { createVerifier, type Verifier } from './create-verifier.js'
import { AuthError, ConfigError } from './errors.js'
import { extractToken, readHeader, type HeadersLike } from './extract-token.js'
import type { VerifierOptions } from './options.js'
import type { VerifiedToken } from './types.js'

/** Options every adapter's middleware accepts besides the verifier's own. */
export interface RequestAuthOptions<Request> {
  /**
   * `true` (default): a request without a token is rejected with 401 `credentials_required`.
   * `false`: it passes through with no `auth`. An invalid or malformed token is rejected either way.
   */
  credentialsRequired?: boolean
  /**
   * Finds the token yourself (the framework's request or context is passed). Replaces the default
   * extraction from the `Authorization` header; return `undefined`, `null` or `''` for "no token".
   * Cannot be combined with `cookie`, `query` or `body`.
   */
  getToken?: (request: Request) => string | null | undefined | Promise<string | null | undefined>
  /**
   * Also accept the token from this cookie. Default: off.
   * Security: browsers send cookies automatically; protect such routes against CSRF.
   */
  cookie?: string
  /**
   * Also accept the token from this query parameter (RFC 6750 §2.3). Default: off.
   * Security: URLs end up in logs and browser history (RFC 6750 §5.3).
   */
  query?: string
  /**
   * Also accept the token from this field of an `application/x-www-form-urlencoded` request body
   * (RFC 6750 §2.2 uses `access_token`). Default: off.
   *
   * Only a form body counts: a JSON or multipart body is ignored, and so is the body of a `GET` or `HEAD`
   * request (RFC 6750 §2.2 forbids `GET`). A repeated or non-string field, or a token also sent in another
   * place, is a 400 `invalid_request`; `maxTokenLength` bounds the token as for any other source.
   *
   * The body is read as your framework parsed it. Express and Koa: register a urlencoded body parser
   * with a size limit **before** `jwtAuth` (`express.urlencoded({ limit: '16kb' })`, `@koa/bodyparser`);
   * a form request that reaches `jwtAuth` unparsed fails with a 500 rather than a misleading 401.
   * Fastify: register `@fastify/formbody` (bounded by `bodyLimit`); with `body` set the plugin
   * authenticates in `preValidation`, after the body is parsed, instead of `onRequest`.
   *
   * Security: unauthenticated clients now get their body parsed before they are refused, so keep the
   * parser's size limit small; and browsers send form posts cross-site, so protect such routes against
   * CSRF if the token may come from a page. Cannot be combined with `getToken`.
   *
   * @example
   * ```ts
   * app.use(express.urlencoded({ extended: false, limit: '16kb' }))
   * app.use(jwtAuth({ issuer, audience, body: 'access_token' }))
   * ```
   */
  body?: string
  /**
   * `true`: let requests that look like a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`)
   * through **without a token**. Default: `false`: a preflight is authenticated like any other request.
   *
   * Security: with `true`, the next handler runs unauthenticated for such requests, and anyone can send
   * one (it is two header values, not proof of a browser). Every handler that answers `OPTIONS` is then
   * reachable without a token: Express `app.all()` and `app.use(path, fn)`, Koa plain middleware and
   * `router.all()`, Fastify `all()` and method lists with `OPTIONS`. Leave it off and register your CORS
   * middleware (`cors`, `@koa/cors`, `@fastify/cors`) **before** the authentication middleware: it
   * answers preflights itself, so they never reach `jwtAuth` (Fetch standard, CORS-preflight request).
   *
   * @example
   * ```ts
   * app.use(cors({ origin: 'https://app.example.com' })) // answers preflights, before jwtAuth
   * app.use(jwtAuth({ issuer, audience })) // allowPreflight stays false
   * ```
   */
  allowPreflight?: boolean
}

type WithoutVerifierOptions = { [K in keyof VerifierOptions]?: never }

/**
 * Options of an adapter's middleware: the core's {@link VerifierOptions}, or a ready-made `verifier` shared
 * by several middlewares, plus {@link RequestAuthOptions}.
 */
export type AuthenticatorOptions<Request> = (
  (VerifierOptions & { verifier?: never }) | ({ verifier: Verifier } & WithoutVerifierOptions)
) &
  RequestAuthOptions<Request>

/** A value, or the promise of one. */
export type MaybePromise<T> = T | Promise<T>

/** What an adapter tells the authenticator about a request, whatever the framework. */
export interface RequestFacts {
  method: string
  headers: HeadersLike
  /** Node's `rawHeaders`, so a repeated `Authorization` header is detected. */
  rawHeaders?: readonly string[]
  /** Path and query, needed for the `query` option. */
  url?: string
  /**
   * The body as the framework's parser left it (an object of form fields), needed for the `body` option;
   * read only when that option is set and the request is a form post.
   */
  body?: unknown
}

/** The framework-independent part of every adapter's middleware. */
export interface Authenticator<Request> {
  /**
   * Finds and verifies the request's token. Resolves to `null` when the request may pass without one
   * (a CORS preflight with `allowPreflight: true`, or no token with `credentialsRequired: false`).
   * @throws AuthError
   */
  authenticate(request: Request, facts: RequestFacts): Promise<VerifiedToken | null>
  /**
   * The same, but the outcome itself, not a promise, when it is known at once (a preflight, no token, a
   * malformed request, or a token served from the verified-token cache), sparing the hot path an
   * asynchronous hop. May throw `AuthError` synchronously; otherwise returns a promise.
   */
  authenticateNow(request: Request, facts: RequestFacts): MaybePromise<VerifiedToken | null>
  readonly verifier: Verifier
  /** The verifier's `realm`, for guards that run later on the same request. */
  readonly realm: string | undefined
  /** `true` when the `body` option is set: the adapter must authenticate after the body is parsed. */
  readonly readsBody: boolean
}

const REQUEST_OPTIONS = [
  'credentialsRequired',
  'getToken',
  'cookie',
  'query',
  'body',
  'allowPreflight',
  'verifier',
]

function splitOptions(options: Record<string, unknown>) {
  const own: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(options))
    (REQUEST_OPTIONS.includes(name) ? own : rest)[name] = value
  return { own, rest }
}

function check(value: unknown, option: string, type: 'boolean' | 'function' | 'string'): void {
  if (value === undefined) return
  if (typeof value !== type || value === '')
    throw new ConfigError(option, `must be a ${type === 'string' ? 'non-empty string' : type}`)
}

function resolveVerifier(own: Record<string, unknown>, rest: Record<string, unknown>): Verifier {
  if (own.verifier === undefined) return createVerifier(rest as unknown as VerifierOptions)
  const verifier = own.verifier as Partial<Verifier> | null
  if (typeof verifier !== 'object' || verifier === null || typeof verifier.verifyNow !== 'function')
    throw new ConfigError('verifier', 'must be a verifier made by createVerifier()')
  const [other] = Object.keys(rest)
  if (other !== undefined)
    throw new ConfigError(other, 'cannot be combined with "verifier": set it when creating the verifier')
  return verifier as Verifier
}

/**
 * Builds what every adapter's middleware does, so the frameworks behave identically: skip CORS preflights
 * if `allowPreflight` opted in, extract the token, apply `credentialsRequired`, verify. Options are checked
 * now; a bad one throws a `ConfigError` naming it, at start-up.
 *
 * @example
 * ```ts
 * const authenticator = createAuthenticator<IncomingMessage>({ issuer, audience })
 * const auth = await authenticator.authenticate(req, { method: req.method, headers: req.headers, rawHeaders: req.rawHeaders })
 * ```
 */
export function createAuthenticator<Request>(options: AuthenticatorOptions<Request>): Authenticator<Request> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  const { own, rest } = splitOptions(options as unknown as Record<string, unknown>)
  check(own.credentialsRequired, 'credentialsRequired', 'boolean')
  check(own.allowPreflight, 'allowPreflight', 'boolean')
  check(own.getToken, 'getToken', 'function')
  check(own.cookie, 'cookie', 'string')
  check(own.query, 'query', 'string')
  check(own.body, 'body', 'string')
  if (own.getToken !== undefined) {
    const source = ['cookie', 'query', 'body'].find((name) => own[name] !== undefined)
    if (source !== undefined) throw new ConfigError(source, 'cannot be combined with "getToken"')
  }
  const verifier = resolveVerifier(own, rest)
  const realm = verifier.realm
  const credentialsRequired = own.credentialsRequired !== false
  // Opt-in only: a "preflight" is two header values anyone can send, and the next handler would then run
  // unauthenticated.
  const allowPreflight = own.allowPreflight === true
  const getToken = own.getToken as RequestAuthOptions<Request>['getToken']
  const cookie = own.cookie as string | undefined
  const query = own.query as string | undefined
  const body = own.body as string | undefined

  function withToken(token: string | null | undefined): VerifiedToken | null | Promise<VerifiedToken> {
    if (token === undefined || token === null || token === '') {
      if (!credentialsRequired) return null
      throw new AuthError('credentials_required', realm === undefined ? {} : { realm })
    }
    return verifier.verifyNow(token)
  }

  function authenticateNow(request: Request, facts: RequestFacts): MaybePromise<VerifiedToken | null> {
    // Each read of a framework's request object can cost a slow property lookup (Express swaps its
    // prototype per request): `method` and `url` are read only when they matter.
    const headers = facts.headers
    if (allowPreflight && isPreflight(headers, facts)) return null
    if (getToken) return callGetToken(getToken, request).then(withToken)
    // Absent sources are passed as `undefined`, which extractToken ignores: one object, no spreads.
    const token = extractToken(headers, {
      rawHeaders: facts.rawHeaders,
      cookie,
      query,
      url: query === undefined ? undefined : facts.url,
      body,
      method: body === undefined ? undefined : facts.method,
      parsedBody: body === undefined ? undefined : facts.body,
      realm,
    })
    return withToken(token)
  }

  return {
    // An async wrapper, so that even a synchronous failure of authenticateNow becomes a rejection.
    authenticate: async (request, facts) => authenticateNow(request, facts),
    authenticateNow,
    verifier,
    realm,
    readsBody: body !== undefined,
  }
}

/** A CORS preflight: `OPTIONS` with `Access-Control-Request-Method` (the header is checked first). */
function isPreflight(headers: HeadersLike, facts: RequestFacts): boolean {
  return readHeader(headers, 'access-control-request-method') !== undefined && facts.method === 'OPTIONS'
}

/**
 * Calls the user's `getToken`. Any failure refuses the request: a rejection with `undefined`, `null` or
 * `'route'` would otherwise read as "carry on" to Express's `next()` and run the handler without a token,
 * and leave a Koa request unanswered. Such values become an `Error` (a 500), keeping the value as `cause`.
 */
function callGetToken<Request>(
  getToken: NonNullable<RequestAuthOptions<Request>['getToken']>,
  request: Request,
): Promise<string | null | undefined> {
  const asError = (failure: unknown) =>
    failure instanceof Error ? failure : new Error('tokenguard: getToken failed', { cause: failure })
  try {
    return Promise.resolve(getToken(request)).catch((failure: unknown) => Promise.reject(asError(failure)))
  } catch (failure) {
    return Promise.reject(asError(failure))
  }
}
