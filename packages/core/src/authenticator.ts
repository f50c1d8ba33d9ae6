import { createVerifier, type Verifier } from './create-verifier.js'
import { asBindingMismatch, authenticateDpop, hasDpopHeader } from './dpop/authenticate-dpop.js'
import { resolveDpop, resolvePublicOrigin, type ResolvedDpop } from './dpop/dpop-options.js'
import type { RequestUrl } from './dpop/htu.js'
import { AuthError, ConfigError, isAuthError } from './errors.js'
import { extractToken, readHeader, type HeadersLike } from './extract-token.js'
import type { ClientCertificate } from './mtls/certificate.js'
import { createCertificateBinder } from './mtls/certificate-binding.js'
import { resolveMtls } from './mtls/mtls-options.js'
import type { VerifierOptions } from './options.js'
import type { VerifiedToken } from './types.js'
import type { RequestAuthOptions } from './request-auth-options.js'
import { resolveProtectedResource, type ProtectedResource } from './resource/resource-metadata.js'
import {
  defaultPublicOrigin,
  requireAudienceCheck,
  resolveResource,
  withResourceAudience,
  type ProtectedResourceOptions,
} from './resource/resource-options.js'
import type { Challenge } from './www-authenticate.js'

export type { RequestAuthOptions } from './request-auth-options.js'

type WithoutVerifierOptions = { [K in keyof VerifierOptions]?: never }

/**
 * Options of an adapter's middleware: the core's {@link VerifierOptions} (where `resource` may stand in for
 * `audience`), or a ready-made `verifier` shared by several middlewares, plus {@link RequestAuthOptions} and
 * {@link ProtectedResourceOptions}.
 */
export type AuthenticatorOptions<Request> = (
  | (VerifierOptions & { verifier?: never })
  | (Omit<VerifierOptions, 'audience'> & { audience?: undefined; resource: string; verifier?: never })
  | ({ verifier: Verifier } & WithoutVerifierOptions)
) &
  RequestAuthOptions<Request> &
  ProtectedResourceOptions

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
  /** What every challenge of this middleware says (realm, schemes), for guards that run later. */
  readonly challenge: Challenge
  /** The RFC 9728 protected resource when `resourceMetadata` is set: adapters serve its document. */
  readonly resource: ProtectedResource | undefined
}

/** What only the framework knows about a request; each adapter supplies it. */
export interface AuthenticatorHooks<Request> {
  /**
   * The request's URL as the client sent it: protocol and host as the framework sees them (its
   * trust-proxy setting applied) and the original path (before a mount point was stripped). Called only
   * for DPoP requests.
   */
  requestUrl?(request: Request): RequestUrl
  /**
   * The client certificate of the request's TLS connection (see `socketCertificate`), or `undefined`.
   * Called only for certificate-bound tokens, when `mtls.getCertificate` is not set.
   */
  clientCertificate?(request: Request): ClientCertificate | undefined
}

const REQUEST_OPTIONS = [
  'credentialsRequired',
  'getToken',
  'cookie',
  'query',
  'body',
  'allowPreflight',
  'dpop',
  'publicOrigin',
  'mtls',
  'verifier',
  'resource',
  'resourceMetadata',
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
  const resource = resolveResource(own.resource)
  if (own.verifier === undefined)
    return createVerifier(withResourceAudience(rest, resource) as unknown as VerifierOptions)
  const verifier = own.verifier as Partial<Verifier> | null
  if (typeof verifier !== 'object' || verifier === null || typeof verifier.verifyNow !== 'function')
    throw new ConfigError('verifier', 'must be a verifier made by createVerifier()')
  const [other] = Object.keys(rest)
  if (other !== undefined)
    throw new ConfigError(other, 'cannot be combined with "verifier": set it when creating the verifier')
  if (resource !== undefined) requireAudienceCheck(verifier as Verifier, 'verifier')
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
export function createAuthenticator<Request>(
  options: AuthenticatorOptions<Request>,
  hooks: AuthenticatorHooks<Request> = {},
): Authenticator<Request> {
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
  const dpop = resolveDpop(own.dpop)
  const publicOrigin = resolvePublicOrigin(own.publicOrigin ?? defaultPublicOrigin(own.resource as string))
  const protectedResource = resolveProtectedResource(options as unknown as Record<string, unknown>, dpop)
  if (dpop?.mode === 'required') {
    // RFC 9449 §7.1: a DPoP request carries its token in the Authorization header, nowhere else.
    const source = ['getToken', 'cookie', 'query', 'body'].find((name) => own[name] !== undefined)
    if (source !== undefined) throw new ConfigError(source, 'cannot be combined with dpop.mode "required"')
  }
  const mtls = resolveMtls<Request>(own.mtls, dpop?.mode)
  const clientCertificate = hooks.clientCertificate
  const certificates =
    mtls === undefined
      ? undefined
      : createCertificateBinder(
          mtls,
          clientCertificate === undefined ? undefined : (request: Request) => clientCertificate(request),
          realm,
        )
  const challenge: Challenge = Object.freeze({
    ...(dpop === undefined
      ? { realm }
      : { realm, bearer: dpop.mode !== 'required', dpopAlgorithms: dpop.algorithms }),
    ...(protectedResource === undefined ? {} : { resourceMetadata: protectedResource.metadataUrl }),
  })

  /** Answers a refusal in the request's scheme, with both challenges when both are accepted. */
  function refuse(error: unknown, scheme: 'Bearer' | 'DPoP' | undefined, token?: string): unknown {
    if ((dpop === undefined && protectedResource === undefined) || !isAuthError(error)) return error
    const refusal = (
      scheme === 'Bearer' && dpop !== undefined ? asBindingMismatch(error) : error
    ) as AuthError
    const nonce = scheme === 'DPoP' ? dpop?.nonces?.current(Date.now()) : undefined
    return refusal.withChallenge({ ...challenge, scheme, nonce })
  }

  function urlOf(request: Request, facts: RequestFacts): RequestUrl | undefined {
    if (hooks.requestUrl !== undefined) return hooks.requestUrl(request)
    // Without the adapter's view, only a configured public origin can say where the request was sent.
    return publicOrigin === undefined || facts.url === undefined
      ? undefined
      : { protocol: '', host: '', path: facts.url }
  }

  function withToken(
    token: string | null | undefined,
    request: Request,
  ): VerifiedToken | null | Promise<VerifiedToken> {
    if (token === undefined || token === null || token === '') {
      if (!credentialsRequired) return null
      throw new AuthError('credentials_required', realm === undefined ? {} : { realm })
    }
    if (certificates === undefined) return verifier.verifyNow(token)
    // A cached token stays synchronous: the certificate check is too unless `getCertificate` is async.
    const verified = verifier.verifyNow(token, certificates.bearerVerifyOptions)
    return verified instanceof Promise
      ? verified.then((result) => certificates.bind(result, request))
      : certificates.bind(verified, request)
  }

  function authenticateNow(request: Request, facts: RequestFacts): MaybePromise<VerifiedToken | null> {
    // Each read of a framework's request object can cost a slow property lookup (Express swaps its
    // prototype per request): `method` and `url` are read only when they matter.
    const headers = facts.headers
    if (allowPreflight && isPreflight(headers, facts)) return null
    if (dpop === undefined)
      return protectedResource === undefined
        ? authenticateBearer(request, facts)
        : rechallenged(() => authenticateBearer(request, facts))
    const authorization = readHeader(headers, 'authorization')
    if (typeof authorization === 'string' && DPOP_SCHEME.test(authorization))
      return authenticateWithProof(request, facts, dpop)
    let token: string | undefined
    try {
      const outcome = authenticateBearer(request, facts, (found) => {
        token = found
        // RFC 9449 §7.2: a proof goes with the DPoP scheme only.
        if (found !== undefined && hasDpopHeader(headers))
          throw new AuthError('invalid_request', {
            reason: {
              message: 'a DPoP proof is sent with a Bearer token',
              actual: 'Bearer with DPoP header',
            },
          })
      })
      return outcome instanceof Promise
        ? outcome.catch((error: unknown) => Promise.reject(refuse(error, 'Bearer', token)))
        : outcome
    } catch (error) {
      throw refuse(error, token === undefined ? undefined : 'Bearer', token)
    }
  }

  /** Runs `attempt`, answering its refusals with this middleware's challenge (`resource_metadata`). */
  function rechallenged(
    attempt: () => MaybePromise<VerifiedToken | null>,
  ): MaybePromise<VerifiedToken | null> {
    try {
      const outcome = attempt()
      return outcome instanceof Promise
        ? outcome.catch((error: unknown) => Promise.reject(refuse(error, undefined)))
        : outcome
    } catch (error) {
      throw refuse(error, undefined)
    }
  }

  /** The `DPoP` scheme: the token from the Authorization header, verified with its proof. */
  function authenticateWithProof(
    request: Request,
    facts: RequestFacts,
    resolved: ResolvedDpop,
  ): Promise<VerifiedToken> {
    try {
      const token = extractToken(facts.headers, { ...sources(facts), scheme: 'DPoP' }) as string
      const dpopFacts = {
        method: facts.method,
        headers: facts.headers,
        rawHeaders: facts.rawHeaders,
        url: urlOf(request, facts),
      }
      const checkCertificate =
        certificates === undefined ? undefined : (payload: object) => certificates.check(payload, request)
      return authenticateDpop(verifier, resolved, publicOrigin, token, dpopFacts, checkCertificate).catch(
        (error: unknown) => Promise.reject(refuse(error, 'DPoP')),
      )
    } catch (error) {
      return Promise.reject(refuse(error, 'DPoP'))
    }
  }

  /** Where else a token may be, besides the Authorization header. Absent sources stay `undefined`. */
  function sources(facts: RequestFacts) {
    return {
      rawHeaders: facts.rawHeaders,
      cookie,
      query,
      url: query === undefined ? undefined : facts.url,
      body,
      method: body === undefined ? undefined : facts.method,
      parsedBody: body === undefined ? undefined : facts.body,
      realm,
    }
  }

  /** The Bearer scheme (and the other sources); `found` learns the token before it is verified. */
  function authenticateBearer(
    request: Request,
    facts: RequestFacts,
    found?: (token: string | undefined) => void,
  ): MaybePromise<VerifiedToken | null> {
    if (getToken)
      return callGetToken(getToken, request).then((token) => {
        found?.(token ?? undefined)
        return withToken(token, request)
      })
    const token = extractToken(facts.headers, sources(facts))
    found?.(token)
    if (token !== undefined && dpop?.mode === 'required')
      throw new AuthError('credentials_required', {
        reason: { message: 'the request uses the Bearer scheme and dpop.mode is "required"' },
      })
    return withToken(token, request)
  }

  return {
    // An async wrapper, so that even a synchronous failure of authenticateNow becomes a rejection.
    authenticate: async (request, facts) => authenticateNow(request, facts),
    authenticateNow,
    verifier,
    realm,
    readsBody: body !== undefined,
    challenge,
    resource: protectedResource,
  }
}

/** An Authorization header of the `DPoP` scheme (RFC 9449 §7.1), whatever follows. */
const DPOP_SCHEME = /^dpop(?: |$)/i

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
