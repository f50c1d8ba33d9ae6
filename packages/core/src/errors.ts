import type { inspect, InspectOptions } from 'node:util'
import type { AuthErrorReason, ReasonCheck } from './reason.js'
import { bearerChallenge } from './www-authenticate.js'

/**
 * Stable error codes. Tests and applications branch on these, never on message text.
 *
 * | code                   | status | RFC 6750 `error`     |
 * |------------------------|--------|----------------------|
 * | `credentials_required` | 401    | (none: bare challenge) |
 * | `invalid_request`      | 400    | `invalid_request`    |
 * | `token_malformed`      | 401    | `invalid_token`      |
 * | `algorithm_not_allowed`| 401    | `invalid_token`      |
 * | `key_not_found`        | 401    | `invalid_token`      |
 * | `signature_invalid`    | 401    | `invalid_token`      |
 * | `token_expired`        | 401    | `invalid_token`      |
 * | `token_not_yet_valid`  | 401    | `invalid_token`      |
 * | `claim_invalid`        | 401    | `invalid_token`      |
 * | `token_revoked`        | 401    | `invalid_token`      |
 * | `binding_unverified`   | 401    | `invalid_token`      |
 * | `binding_mismatch`     | 401    | `invalid_token`      |
 * | `dpop_proof_invalid`   | 401    | `invalid_dpop_proof` (DPoP scheme) |
 * | `dpop_nonce_required`  | 401    | `use_dpop_nonce` (DPoP scheme) |
 * | `insufficient_scope`   | 403    | `insufficient_scope` |
 * | `keys_unavailable`     | 503    | (no challenge)       |
 * | `revocation_unavailable` | 503  | (no challenge)       |
 * | `replay_store_unavailable` | 503 | (no challenge)     |
 */
export type AuthErrorCode =
  | 'credentials_required'
  | 'invalid_request'
  | 'token_malformed'
  | 'algorithm_not_allowed'
  | 'key_not_found'
  | 'signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'claim_invalid'
  | 'token_revoked'
  | 'binding_unverified'
  | 'binding_mismatch'
  | 'dpop_proof_invalid'
  | 'dpop_nonce_required'
  | 'insufficient_scope'
  | 'keys_unavailable'
  | 'revocation_unavailable'
  | 'replay_store_unavailable'

/** The `error` attribute of RFC 6750 §3.1 that a code maps to. */
export type BearerErrorAttribute = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/** The `error` attribute of a challenge: RFC 6750's, or RFC 9449's two DPoP-only ones. */
export type ChallengeErrorAttribute = BearerErrorAttribute | 'invalid_dpop_proof' | 'use_dpop_nonce'

interface CodeInfo {
  status: 400 | 401 | 403 | 503
  error?: ChallengeErrorAttribute
  /** Generic, header-safe text. It never carries anything taken from the request. */
  description: string
}

/** The reason an error of each code has unless the place that throws it says more. */
const DEFAULT_REASONS: Record<AuthErrorCode, { check: ReasonCheck; message: string }> = {
  credentials_required: { check: 'credentials', message: 'the request carries no bearer token' },
  invalid_request: { check: 'request', message: 'the request is malformed' },
  token_malformed: { check: 'syntax', message: 'the token is not a well-formed compact JWS' },
  algorithm_not_allowed: { check: 'alg', message: 'the token is signed with an algorithm not allowed' },
  key_not_found: { check: 'kid', message: 'no key of the issuer matches the token header' },
  signature_invalid: { check: 'signature', message: 'the signature does not verify' },
  token_expired: { check: 'exp', message: 'the token expired' },
  token_not_yet_valid: { check: 'nbf', message: 'the token is not valid yet' },
  claim_invalid: { check: 'claim', message: 'a claim is invalid' },
  token_revoked: { check: 'revoked', message: 'the token is revoked' },
  binding_unverified: {
    check: 'cnf',
    message: 'the token is bound to a key (cnf) and no proof of that key was verified',
  },
  binding_mismatch: {
    check: 'cnf',
    message: 'the token is bound to a key (cnf) that the request did not prove',
  },
  dpop_proof_invalid: { check: 'dpop', message: 'the DPoP proof is missing or invalid' },
  dpop_nonce_required: { check: 'dpop', message: 'the DPoP proof lacks a valid server nonce' },
  insufficient_scope: { check: 'scope', message: 'the token lacks what the route requires' },
  keys_unavailable: { check: 'keys', message: 'the verification keys could not be fetched' },
  revocation_unavailable: { check: 'revocation', message: 'the revocation check failed' },
  replay_store_unavailable: { check: 'replay', message: 'the DPoP replay check failed' },
}

/** What a thrower may say of a refusal; the default of its code fills in the rest. */
export type ReasonDetails = Partial<AuthErrorReason>

function reasonOf(code: AuthErrorCode, options: AuthErrorOptions): AuthErrorReason {
  const claim = options.reason?.claim ?? options.claim
  const fallback = DEFAULT_REASONS[code]
  const message =
    options.reason?.message ??
    (code === 'claim_invalid' && claim !== undefined ? `claim "${claim}" is invalid` : fallback.message)
  return Object.freeze({
    check: fallback.check,
    ...options.reason,
    message,
    ...(claim === undefined ? {} : { claim }),
  })
}

function defineReason(error: AuthError, reason: AuthErrorReason): void {
  // Not enumerable: `JSON.stringify(error)`, a spread or a handler that sends the error object never
  // carries it to the client.
  Object.defineProperty(error, 'reason', { value: reason, enumerable: false, configurable: true })
}

/**
 * Adds what a later stage knows (the issuer, `kid`, `alg`, the token's id) to an error's reason, without
 * overwriting what the thrower said. Returns the same error.
 */
export function explain(error: AuthError, details: ReasonDetails): AuthError {
  const merged: Record<string, unknown> = { ...error.reason }
  for (const [name, value] of Object.entries(details))
    if (value !== undefined && merged[name] === undefined) merged[name] = value
  defineReason(error, Object.freeze(merged) as unknown as AuthErrorReason)
  return error
}

const CODES: Record<AuthErrorCode, CodeInfo> = {
  credentials_required: { status: 401, description: 'Authentication is required' },
  invalid_request: { status: 400, error: 'invalid_request', description: 'The request is malformed' },
  token_malformed: { status: 401, error: 'invalid_token', description: 'The access token is malformed' },
  algorithm_not_allowed: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token algorithm is not allowed',
  },
  key_not_found: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token signing key is unknown',
  },
  signature_invalid: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token signature is invalid',
  },
  token_expired: { status: 401, error: 'invalid_token', description: 'The access token expired' },
  token_not_yet_valid: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token is not yet valid',
  },
  claim_invalid: { status: 401, error: 'invalid_token', description: 'The access token claims are invalid' },
  token_revoked: { status: 401, error: 'invalid_token', description: 'The access token was revoked' },
  binding_unverified: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token is bound to a key that was not proven',
  },
  binding_mismatch: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token is bound to another key',
  },
  dpop_proof_invalid: {
    status: 401,
    error: 'invalid_dpop_proof',
    description: 'The DPoP proof is invalid',
  },
  dpop_nonce_required: {
    status: 401,
    error: 'use_dpop_nonce',
    description: 'Authorization server requires nonce in DPoP proof',
  },
  insufficient_scope: {
    status: 403,
    error: 'insufficient_scope',
    description: 'The access token lacks the required permissions',
  },
  keys_unavailable: { status: 503, description: 'Token verification keys are temporarily unavailable' },
  revocation_unavailable: { status: 503, description: 'Token revocation status is temporarily unavailable' },
  replay_store_unavailable: {
    status: 503,
    description: 'DPoP proof replay protection is temporarily unavailable',
  },
}

/** Seconds a client is told to wait when keys are unreachable. */
const RETRY_AFTER_SECONDS = '5'

/**
 * Sets `Error.stackTraceLimit` to 0 so that the next error captures no stack frames; false where the
 * intrinsics are frozen (SES `lockdown()`, `node --frozen-intrinsics`) and the limit cannot change.
 */
function skipStackFrames(): boolean {
  try {
    Error.stackTraceLimit = 0
  } catch {
    return false
  }
  return Error.stackTraceLimit === 0
}

export interface AuthErrorOptions {
  cause?: unknown
  /** For `insufficient_scope`: the scopes the resource needs, sent in the challenge's `scope` attribute. */
  scope?: readonly string[]
  /** For `claim_invalid`: which claim or header parameter failed. Server-side only, never sent. */
  claim?: string
  /** `realm` attribute of the challenge. */
  realm?: string
  /** What the operator should know: which check failed, expected and actual values. Never sent. */
  reason?: ReasonDetails
}

/**
 * The one error tokenguard throws for a request that cannot be authorized.
 *
 * It carries what HTTP frameworks look for (`status`, `statusCode`, `headers`, `expose`), so the default
 * error handlers of Express, Koa and Fastify render the right status and `WWW-Authenticate` header with no
 * glue. `message` is generic and safe to show a client; the underlying error (for example the jose error)
 * is kept as `cause` for server-side logs.
 *
 * A 400, 401 or 403 is an expected outcome, not a bug, so it carries no stack frames: its `stack` is the
 * one line `AuthError: <message>`, and Node's `util.inspect` (`console.error`, Express 5's default
 * handler) prints it as one line too, `AuthError [<code>]: <message>`. Default error handlers then log
 * one line per rejection and development error pages show no server paths. `cause` is kept and keeps its
 * own stack. A 503 (`keys_unavailable`, `revocation_unavailable`) is for operators: it keeps its stack and
 * Node's full inspection.
 */
export class AuthError extends Error {
  /** Stable machine-readable code. */
  readonly code: AuthErrorCode
  /** HTTP status: 400, 401, 403 or 503. */
  readonly status: number
  /** Same as `status`, for frameworks that read `statusCode`. */
  readonly statusCode: number
  /** Response headers to send: `WWW-Authenticate` for 4xx, `Retry-After` for 503. */
  readonly headers: Readonly<Record<string, string>>
  /** Whether `message` may be shown to the client (it is generic for every 4xx). */
  readonly expose: boolean
  /** The RFC 6750 (or RFC 9449) `error` attribute, when the challenge carries one. */
  readonly error: ChallengeErrorAttribute | undefined
  /** For `claim_invalid`: the claim or header parameter that failed (server-side diagnostics, not enumerable). */
  declare readonly claim: string | undefined
  /** For `insufficient_scope`: the scopes the resource needs. */
  readonly scope: readonly string[] | undefined
  /**
   * Why the request was refused, for the operator's logs: which check failed, what it expected and what
   * the token held (values from the token bounded and escaped). Never the token itself. Not enumerable,
   * so it never reaches a client through `JSON.stringify(error)` or a handler that sends the error;
   * log it explicitly: `logger.warn({ code: err.code, reason: err.reason })`.
   */
  declare readonly reason: AuthErrorReason

  static {
    // A one-line rendering for expected rejections. Defined here rather than as a method so that it
    // stays out of the public type.
    Object.defineProperty(this.prototype, Symbol.for('nodejs.util.inspect.custom'), {
      value(this: AuthError, _depth: number, options: InspectOptions, inspectValue: typeof inspect) {
        if (this.status >= 500) return inspectValue(this, { ...options, customInspect: false })
        return `${this.name} [${this.code}]: ${this.message} (${this.reason.message})`
      },
    })
  }

  constructor(code: AuthErrorCode, options: AuthErrorOptions = {}) {
    const info = CODES[code]
    // Read before the limit is lowered, so that nothing which could throw runs while it is 0.
    const errorOptions = { cause: options.cause }
    // Capturing stack frames is also the costliest part of constructing an error, paid on every rejected
    // request: 4xx errors skip it. The limit is restored at once, so no other error is affected.
    const quiet = info.status < 500
    const limit = Error.stackTraceLimit
    const skipped = quiet && skipStackFrames()
    super(info.description, errorOptions)
    if (skipped) Error.stackTraceLimit = limit
    this.name = new.target.name
    // Where the limit cannot change, the frames were captured: drop them.
    if (quiet && !skipped) this.stack = `${this.name}: ${this.message}`
    this.code = code
    this.status = info.status
    this.statusCode = info.status
    this.expose = info.status < 500
    this.error = info.error
    // Server-side only, like `reason`: not enumerable, so a handler that sends the error object omits it.
    Object.defineProperty(this, 'claim', { value: options.claim, enumerable: false })
    this.scope = options.scope
    defineReason(this, reasonOf(code, options))
    this.headers =
      info.status === 503
        ? { 'Retry-After': RETRY_AFTER_SECONDS }
        : {
            'WWW-Authenticate': bearerChallenge({
              realm: options.realm,
              error: info.error,
              errorDescription: info.error === undefined ? undefined : info.description,
              scope: options.scope,
            }),
          }
  }

  /** Returns a copy of this error whose challenge carries `realm`. */
  withRealm(realm: string | undefined): AuthError {
    if (realm === undefined) return this
    return new AuthError(this.code, {
      cause: this.cause,
      realm,
      ...(this.scope ? { scope: this.scope } : {}),
      ...(this.claim ? { claim: this.claim } : {}),
      reason: this.reason,
    })
  }
}

/** True for any `AuthError`, also across duplicated copies of this package. */
export function isAuthError(value: unknown): value is AuthError {
  return (
    value instanceof AuthError || (value instanceof Error && value.name === 'AuthError' && 'code' in value)
  )
}

/** Thrown by `createVerifier` and other factories when an option is invalid. Names the option. */
export class ConfigError extends TypeError {
  constructor(option: string, problem: string) {
    super(`tokenguard: option "${option}" ${problem}`)
    this.name = new.target.name
  }
}

/** One issuer whose keys could not be loaded by `verifier.ready()`. */
export interface NotReadyFailure {
  /** The issuer, or `null` for `issuer: null`. */
  readonly issuer: string | null
  /** Where its keys come from (JWK Set URL or the issuer being discovered). */
  readonly keySource: string
  readonly cause: unknown
}

/**
 * Thrown by `verifier.ready()` when the keys of one or more issuers cannot be loaded now. Its message names
 * each issuer, where its keys come from and why they failed; `cause` is the first failure's error.
 */
export class NotReadyError extends Error {
  readonly failures: readonly NotReadyFailure[]

  constructor(failures: readonly NotReadyFailure[], describe: (cause: unknown) => string) {
    const lines = failures.map(
      ({ issuer, keySource, cause }) =>
        `issuer ${issuer === null ? '(any)' : JSON.stringify(issuer)}: keys from ${keySource}: ${describe(cause)}`,
    )
    super(`tokenguard: not ready: ${lines.join('; ')}`, { cause: failures[0]?.cause })
    this.name = new.target.name
    this.failures = failures
  }
}
