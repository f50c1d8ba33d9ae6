import type { Verifier } from './create-verifier.js'
import { asBindingMismatch, authenticateDpop, hasDpopHeader } from './dpop/authenticate-dpop.js'
import type { ResolvedDpop } from './dpop/dpop-options.js'
import type { RequestUrl } from './dpop/htu.js'
import { AuthError, isAuthError } from './errors.js'
import { extractToken, readHeader, type HeadersLike } from './extract-token.js'
import type { ClientCertificate } from './mtls/certificate.js'
import type { IssuerSource, VerifierCommonOptions, VerifierOptions } from './options.js'
import type { VerifiedToken } from './types.js'
import type { RequestAuthOptions } from './request-auth-options.js'
import type { ProtectedResource } from './resource/resource-metadata.js'
import type { ProtectedResourceOptions } from './resource/resource-options.js'
import { resolveRequestOptions } from './resolve-request-options.js'
import type { Challenge } from './www-authenticate.js'
import type { RequestFacts } from './request-facts.js'

export type { RequestFacts } from './request-facts.js'

export type { RequestAuthOptions } from './request-auth-options.js'

type WithoutVerifierOptions = { [K in keyof VerifierOptions]?: never }

/**
 * Options of an adapter's middleware: the core's {@link VerifierOptions} (where `resource` may stand in for
 * `audience`), or a ready-made `verifier` shared by several middlewares, plus {@link RequestAuthOptions} and
 * {@link ProtectedResourceOptions}.
 */
export type AuthenticatorOptions<Request> = (
  | (VerifierOptions & { verifier?: never })
  | (Omit<VerifierCommonOptions, 'audience'> &
      IssuerSource & { audience?: undefined; resource: string; verifier?: never })
  | ({ verifier: Verifier } & WithoutVerifierOptions)
) &
  RequestAuthOptions<Request> &
  ProtectedResourceOptions

/** A value, or the promise of one. */
export type MaybePromise<T> = T | Promise<T>

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
  const {
    verifier,
    realm,
    credentialsRequired,
    allowPreflight,
    getToken,
    cookie,
    query,
    body,
    dpop,
    publicOrigin,
    protectedResource,
    certificates,
    challenge,
  } = resolveRequestOptions(options, hooks)
  // Refusals are answered again with this middleware's challenge when it says more than RFC 6750's.
  const rechallenges = dpop !== undefined || protectedResource !== undefined
  // Only `selectIntrospectionIssuer` reads the request: otherwise verifications get no options object.
  const passesFacts = verifier.needsRequestFacts

  /** Answers a refusal in the request's scheme, with both challenges when both are accepted. */
  function refuse(error: unknown, scheme: 'Bearer' | 'DPoP' | undefined): unknown {
    if (!isAuthError(error)) return error
    const refusal =
      scheme === 'Bearer' && dpop !== undefined ? (asBindingMismatch(error) as AuthError) : error
    const nonce = scheme === 'DPoP' ? dpop?.nonces?.current(Date.now()) : undefined
    return refusal.withChallenge({ ...challenge, scheme, nonce })
  }

  function authenticateNow(request: Request, facts: RequestFacts): MaybePromise<VerifiedToken | null> {
    // Each read of a framework's request object can cost a slow property lookup (Express swaps its
    // prototype per request): `method` and `url` are read only when they matter.
    const headers = facts.headers
    if (allowPreflight && isPreflight(headers, facts)) return null
    if (dpop !== undefined) {
      const authorization = readHeader(headers, 'authorization')
      if (typeof authorization === 'string' && DPOP_SCHEME.test(authorization))
        return authenticateWithProof(request, facts, dpop)
    }
    if (getToken) {
      const outcome = callGetToken(getToken, request).then((token) => withBearer(token, request, facts))
      return rechallenges
        ? outcome.catch((error: unknown) => Promise.reject(refuse(error, 'Bearer')))
        : outcome
    }
    if (!rechallenges) return withToken(extractToken(headers, sources(facts)), request, facts)
    let token: string | undefined
    try {
      token = extractToken(headers, sources(facts))
      const outcome = withBearer(token, request, facts)
      return outcome instanceof Promise
        ? outcome.catch((error: unknown) => Promise.reject(refuse(error, 'Bearer')))
        : outcome
    } catch (error) {
      throw refuse(error, token === undefined ? undefined : 'Bearer')
    }
  }

  /** A token of the Bearer scheme (or another source), where DPoP is on: no proof may come with it. */
  function withBearer(
    token: string | null | undefined,
    request: Request,
    facts: RequestFacts,
  ): VerifiedToken | null | Promise<VerifiedToken> {
    if (token !== undefined && token !== null && token !== '' && dpop !== undefined) {
      // RFC 9449 §7.2: a proof goes with the DPoP scheme only.
      if (hasDpopHeader(facts.headers))
        throw new AuthError('invalid_request', {
          reason: { message: 'a DPoP proof is sent with a Bearer token', actual: 'Bearer with DPoP header' },
        })
      if (dpop.mode === 'required')
        throw new AuthError('credentials_required', {
          reason: { message: 'the request uses the Bearer scheme and dpop.mode is "required"' },
        })
    }
    return withToken(token, request, facts)
  }

  function withToken(
    token: string | null | undefined,
    request: Request,
    facts: RequestFacts,
  ): VerifiedToken | null | Promise<VerifiedToken> {
    if (token === undefined || token === null || token === '') {
      if (!credentialsRequired) return null
      throw new AuthError('credentials_required', realm === undefined ? {} : { realm })
    }
    if (certificates === undefined)
      return passesFacts ? verifier.verifyNow(token, { facts }) : verifier.verifyNow(token)
    // A cached token stays synchronous: the certificate check is too unless `getCertificate` is async.
    const verified = verifier.verifyNow(
      token,
      passesFacts ? { ...certificates.bearerVerifyOptions, facts } : certificates.bearerVerifyOptions,
    )
    return verified instanceof Promise
      ? verified.then((result) => certificates.bind(result, request))
      : certificates.bind(verified, request)
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
      const verifyFacts = passesFacts ? facts : undefined
      return authenticateDpop(
        verifier,
        resolved,
        publicOrigin,
        token,
        dpopFacts,
        checkCertificate,
        verifyFacts,
      ).catch((error: unknown) => Promise.reject(refuse(error, 'DPoP')))
    } catch (error) {
      return Promise.reject(refuse(error, 'DPoP'))
    }
  }

  function urlOf(request: Request, facts: RequestFacts): RequestUrl | undefined {
    if (hooks.requestUrl !== undefined) return hooks.requestUrl(request)
    // Without the adapter's view, only a configured public origin can say where the request was sent.
    return publicOrigin === undefined || facts.url === undefined
      ? undefined
      : { protocol: '', host: '', path: facts.url }
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
