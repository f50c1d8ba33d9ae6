import { AuthError } from './errors.js'

/**
 * Checks jose leaves open (it type-checks NumericDates but accepts `1e400` as never-expiring, does not
 * type-check `aud` members, and accepts an `iat` in the future).
 */

/** `typ` values that mark an access token or a generic JWT (RFC 9068 §2.1, RFC 7519 §5.1). */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt'])
const GENERIC_TYPES = new Set(['jwt', 'application/jwt'])

/** RFC 9068 §2.2: claims every JWT access token carries. */
export const RFC9068_REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const

function invalid(claim: string): AuthError {
  return new AuthError('claim_invalid', { claim })
}

/**
 * Explicit typing (RFC 8725 §3.11). By default `typ` may be absent, `JWT` or `at+jwt`, so a different
 * kind of JWT from the same issuer (`dpop+jwt`, `logout+jwt`, `secevent+jwt`, …) is never taken for an
 * access token. In strict RFC 9068 mode only `at+jwt` is accepted.
 */
export function checkTokenType(typ: unknown, accessTokenOnly: boolean): void {
  if (typ === undefined && !accessTokenOnly) return
  if (typeof typ !== 'string') throw invalid('typ')
  const type = typ.toLowerCase()
  if (ACCESS_TOKEN_TYPES.has(type)) return
  if (!accessTokenOnly && GENERIC_TYPES.has(type)) return
  throw invalid('typ')
}

function checkNumericDate(
  payload: Record<string, unknown>,
  claim: 'exp' | 'nbf' | 'iat',
): number | undefined {
  const value = payload[claim]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(claim)
  return value
}

function checkOptionalString(payload: Record<string, unknown>, claim: string): void {
  if (payload[claim] !== undefined && typeof payload[claim] !== 'string') throw invalid(claim)
}

export interface ClaimPolicy {
  /** Seconds. */
  clockTolerance: number
  accessTokenOnly: boolean
}

/** Claim checks run after jose verified the signature and its own claim rules. */
export function checkClaims(payload: Record<string, unknown>, nowSeconds: number, policy: ClaimPolicy): void {
  checkNumericDate(payload, 'exp')
  checkNumericDate(payload, 'nbf')
  const iat = checkNumericDate(payload, 'iat')
  if (iat !== undefined && iat > nowSeconds + policy.clockTolerance) throw invalid('iat')
  for (const claim of ['iss', 'sub', 'jti']) checkOptionalString(payload, claim)
  // RFC 7519 §4.1.3: a string or an array of strings, also when no audience is configured.
  const aud = payload.aud
  if (aud !== undefined && typeof aud !== 'string') {
    if (!Array.isArray(aud) || !aud.every((member) => typeof member === 'string')) throw invalid('aud')
  }
  if (policy.accessTokenOnly) checkOptionalString(payload, 'client_id')
}
