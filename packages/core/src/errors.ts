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
 * | `insufficient_scope`   | 403    | `insufficient_scope` |
 * | `keys_unavailable`     | 503    | (no challenge)       |
 * | `revocation_unavailable` | 503  | (no challenge)       |
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
  | 'insufficient_scope'
  | 'keys_unavailable'
  | 'revocation_unavailable'

/** The `error` attribute of RFC 6750 §3.1 that a code maps to. */
export type BearerErrorAttribute = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

interface CodeInfo {
  status: 400 | 401 | 403 | 503
  error?: BearerErrorAttribute
  /** Generic, header-safe text. It never carries anything taken from the request. */
  description: string
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
  insufficient_scope: {
    status: 403,
    error: 'insufficient_scope',
    description: 'The access token lacks the required permissions',
  },
  keys_unavailable: { status: 503, description: 'Token verification keys are temporarily unavailable' },
  revocation_unavailable: { status: 503, description: 'Token revocation status is temporarily unavailable' },
}

/** Seconds a client is told to wait when keys are unreachable. */
const RETRY_AFTER_SECONDS = '5'

export interface AuthErrorOptions {
  cause?: unknown
  /** For `insufficient_scope`: the scopes the resource needs, sent in the challenge's `scope` attribute. */
  scope?: readonly string[]
  /** For `claim_invalid`: which claim or header parameter failed. Server-side only, never sent. */
  claim?: string
  /** `realm` attribute of the challenge. */
  realm?: string
}

/**
 * The one error tokenguard throws for a request that cannot be authorized.
 *
 * It carries what HTTP frameworks look for (`status`, `statusCode`, `headers`, `expose`), so the default
 * error handlers of Express, Koa and Fastify render the right status and `WWW-Authenticate` header with no
 * glue. `message` is generic and safe to show a client; the underlying error (for example the jose error)
 * is kept as `cause` for server-side logs.
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
  /** The RFC 6750 `error` attribute, when the challenge carries one. */
  readonly error: BearerErrorAttribute | undefined
  /** For `claim_invalid`: the claim or header parameter that failed (server-side diagnostics). */
  readonly claim: string | undefined
  /** For `insufficient_scope`: the scopes the resource needs. */
  readonly scope: readonly string[] | undefined

  constructor(code: AuthErrorCode, options: AuthErrorOptions = {}) {
    const info = CODES[code]
    super(info.description, { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = info.status
    this.statusCode = info.status
    this.expose = info.status < 500
    this.error = info.error
    this.claim = options.claim
    this.scope = options.scope
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
