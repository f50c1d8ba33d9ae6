import type { inspect, InspectOptions } from 'node:util'
import {
  CODES,
  DEFAULT_REASONS,
  type AuthErrorCode,
  type ChallengeErrorAttribute,
  type CodeInfo,
} from './error-codes.js'
import type { AuthErrorReason } from './reason.js'

export type { AuthErrorCode, BearerErrorAttribute, ChallengeErrorAttribute } from './error-codes.js'
import { challengeHeader, type Challenge } from './www-authenticate.js'

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

/** Seconds a client is told to wait when keys are unreachable. */
const RETRY_AFTER_SECONDS = '5'

/** RFC 9449's errors, which only the DPoP challenge may carry. */
const DPOP_ONLY_ERRORS = new Set(['invalid_dpop_proof', 'use_dpop_nonce'])

function headersFor(
  info: CodeInfo,
  challenge: Challenge,
  scope: readonly string[] | undefined,
): Readonly<Record<string, string>> {
  if (info.status === 503) return { 'Retry-After': RETRY_AFTER_SECONDS }
  const header = challengeHeader(challenge, {
    error: info.error,
    errorDescription: info.error === undefined ? undefined : info.description,
    scope,
    dpopOnly: info.error !== undefined && DPOP_ONLY_ERRORS.has(info.error),
  })
  return challenge.nonce === undefined
    ? { 'WWW-Authenticate': header }
    : { 'WWW-Authenticate': header, 'DPoP-Nonce': challenge.nonce }
}

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
  /**
   * The request's challenge context: accepted schemes (Bearer, DPoP), the scheme used, a DPoP nonce. Its
   * `realm` is used when `realm` is absent. Default: one Bearer challenge.
   */
  challenge?: Challenge
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
  /** The challenge context the headers were built from (not enumerable). */
  declare readonly challenge: Challenge

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
    const challenge: Challenge =
      options.realm === undefined ? (options.challenge ?? {}) : { ...options.challenge, realm: options.realm }
    Object.defineProperty(this, 'challenge', { value: challenge, enumerable: false })
    this.headers = headersFor(info, challenge, options.scope)
  }

  /** Returns a copy of this error answered with `challenge` (the request's schemes, realm and nonce). */
  withChallenge(challenge: Challenge): AuthError {
    return new AuthError(this.code, {
      cause: this.cause,
      challenge,
      ...(this.scope ? { scope: this.scope } : {}),
      ...(this.claim ? { claim: this.claim } : {}),
      reason: this.reason,
    })
  }

  /** Returns a copy of this error whose challenge carries `realm`. */
  withRealm(realm: string | undefined): AuthError {
    if (realm === undefined) return this
    return new AuthError(this.code, {
      cause: this.cause,
      challenge: { ...this.challenge, realm },
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
  constructor(option: string, problem: string, options?: ErrorOptions) {
    super(`tokenguard: option "${option}" ${problem}`, options)
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
