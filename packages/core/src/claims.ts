import { AuthError, ConfigError, type ReasonDetails } from './errors.js'
import { safeValue, show } from './reason.js'

/** `typ` values that mark an access token or a generic JWT (RFC 9068 §2.1, RFC 7519 §5.1). */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt'])
const GENERIC_TYPES = new Set(['jwt', 'application/jwt'])

/** RFC 9068 §2.2: claims every JWT access token carries. */
export const RFC9068_REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const

function invalid(claim: string, reason?: ReasonDetails): AuthError {
  return new AuthError('claim_invalid', { claim, ...(reason ? { reason } : {}) })
}

function missing(claim: string): AuthError {
  return invalid(claim, { check: 'claim', message: `required claim "${claim}" is missing` })
}

function wrongType(claim: string, value: unknown, expected: string): AuthError {
  return invalid(claim, {
    check: 'claim',
    message: `claim "${claim}" must be ${expected}, not ${show(value)}`,
    expected,
    actual: safeValue(value),
  })
}

/** A NumericDate for a reason: seconds and the ISO date (`exp 1767225600 (2026-01-01T00:00:00Z)`). */
function when(seconds: number): string {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime())
    ? String(seconds)
    : `${seconds} (${date.toISOString().replace('.000Z', 'Z')})`
}

/**
 * Explicit typing (RFC 8725 §3.11). By default `typ` may be absent, `JWT` or `at+jwt`, so a different
 * kind of JWT from the same issuer (`dpop+jwt`, `logout+jwt`, `secevent+jwt`, …) is never taken for an
 * access token. In strict RFC 9068 mode only `at+jwt` is accepted.
 */
export function checkTokenType(typ: unknown, accessTokenOnly: boolean): void {
  if (typ === undefined && !accessTokenOnly) return
  if (typeof typ === 'string') {
    const type = typ.toLowerCase()
    if (ACCESS_TOKEN_TYPES.has(type)) return
    if (!accessTokenOnly && GENERIC_TYPES.has(type)) return
  }
  const expected = accessTokenOnly ? ['at+jwt'] : ['at+jwt', 'JWT', '(none)']
  throw invalid('typ', {
    check: 'typ',
    message: `typ ${typ === undefined ? '(none)' : show(typ)} is not ${accessTokenOnly ? 'at+jwt (tokenType: "at+jwt")' : 'at+jwt, JWT or absent'}`,
    expected,
    actual: typ === undefined ? null : safeValue(typ),
  })
}

/** The claim rules of one verifier (durations in seconds). */
export interface ClaimPolicy {
  audience: readonly string[] | undefined
  clockTolerance: number
  maxTokenAge: number | undefined
  /** Claims that must be present (besides `iss`, which is required whenever an issuer is configured). */
  requiredClaims: readonly string[]
  accessTokenOnly: boolean
}

/** The time claims a cache entry keeps, re-checked on every hit. */
export interface TokenTimes {
  exp: number | undefined
  nbf: number | undefined
  iat: number | undefined
}

/**
 * The time rules: `exp`, `nbf` and `maxTokenAge`, with jose's arithmetic (whole seconds, floored; `exp`
 * is exclusive) and its codes (a too-old `iat` is reported as expired). Run by every full verification
 * and again on every cache hit: a cached token is only as good as it is now.
 */
export function checkTimes(times: TokenTimes, nowMs: number, policy: ClaimPolicy): void {
  // Every comparison with NaN is false: a clock hook returning garbage must refuse, never pass.
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
    throw new ConfigError('now', 'must return the time in milliseconds since the epoch, as a finite number')
  const { clockTolerance, maxTokenAge } = policy
  const now = Math.floor(nowMs / 1000)
  const clock = { now, clockTolerance }
  if (times.nbf !== undefined && times.nbf > now + clockTolerance) {
    throw new AuthError('token_not_yet_valid', {
      reason: {
        check: 'nbf',
        message: `nbf ${when(times.nbf)} is ${times.nbf - now} s after now ${when(now)} (clock tolerance ${clockTolerance} s)`,
        expected: now + clockTolerance,
        actual: times.nbf,
        ...clock,
      },
    })
  }
  if (times.exp !== undefined && times.exp <= now - clockTolerance) {
    throw new AuthError('token_expired', {
      reason: {
        check: 'exp',
        message: `exp ${when(times.exp)} is ${now - times.exp} s before now ${when(now)} (clock tolerance ${clockTolerance} s)`,
        expected: now - clockTolerance,
        actual: times.exp,
        ...clock,
      },
    })
  }
  if (maxTokenAge !== undefined && times.iat !== undefined) {
    const age = now - times.iat
    if (age - clockTolerance > maxTokenAge) {
      throw new AuthError('token_expired', {
        reason: {
          check: 'iat',
          message: `iat ${when(times.iat)} makes the token ${age} s old, over maxTokenAge ${maxTokenAge} s (clock tolerance ${clockTolerance} s)`,
          expected: maxTokenAge,
          actual: times.iat,
          ...clock,
        },
      })
    }
    if (age < -clockTolerance) throw futureIat(times.iat, now, clockTolerance)
  }
}

function futureIat(iat: number, now: number, clockTolerance: number): AuthError {
  return invalid('iat', {
    check: 'iat',
    message: `iat ${when(iat)} is in the future: ${iat - now} s after now ${when(now)} (clock tolerance ${clockTolerance} s)`,
    expected: now + clockTolerance,
    actual: iat,
    now,
    clockTolerance,
  })
}

function numericDate(payload: Record<string, unknown>, claim: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[claim]
  if (value === undefined) return undefined
  // jose type-checks NumericDates but would take `1e400` (Infinity) as never expiring.
  if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(claim, value, 'a finite number')
  return value
}

function checkOptionalString(payload: Record<string, unknown>, claim: string): void {
  if (payload[claim] !== undefined && typeof payload[claim] !== 'string')
    throw wrongType(claim, payload[claim], 'a string')
}

function hasAudience(aud: unknown, audience: readonly string[]): boolean {
  if (typeof aud === 'string') return audience.includes(aud)
  return Array.isArray(aud) && audience.some((accepted) => aud.includes(accepted))
}

/**
 * The claims rules (RFC 7519 §4.1, RFC 8725 §3.8–3.10), run once the signature is verified. They follow
 * jose's `jwtVerify` (same presence checks, same comparisons, same times), and add what jose leaves open:
 * NumericDates must be finite, `aud` members must be strings (also when no audience is configured), an
 * `iat` in the future is refused, and `iss`, `sub`, `jti` (and `client_id` for RFC 9068) must be strings.
 *
 * @param issuer the issuer the token was routed to, or `null` when any issuer is accepted
 * @returns the checked time claims, for the token cache to re-check on each hit
 */
export function checkClaims(
  payload: Record<string, unknown>,
  issuer: string | null,
  nowMs: number,
  policy: ClaimPolicy,
): TokenTimes {
  const { audience, maxTokenAge, clockTolerance } = policy
  if (issuer !== null && !Object.hasOwn(payload, 'iss')) throw missing('iss')
  if (audience !== undefined && !Object.hasOwn(payload, 'aud')) throw missing('aud')
  if (maxTokenAge !== undefined && !Object.hasOwn(payload, 'iat')) throw missing('iat')
  for (const claim of policy.requiredClaims) if (!Object.hasOwn(payload, claim)) throw missing(claim)
  if (issuer !== null && payload.iss !== issuer) {
    throw invalid('iss', {
      check: 'iss',
      message: `iss ${show(payload.iss)} is not ${JSON.stringify(issuer)}`,
      expected: issuer,
      actual: safeValue(payload.iss),
    })
  }
  if (audience !== undefined && !hasAudience(payload.aud, audience)) {
    throw invalid('aud', {
      check: 'aud',
      message: `aud ${show(payload.aud)} contains none of the accepted audiences ${JSON.stringify(audience)}`,
      expected: audience,
      actual: safeValue(payload.aud),
    })
  }

  const times: TokenTimes = {
    exp: numericDate(payload, 'exp'),
    nbf: numericDate(payload, 'nbf'),
    iat: numericDate(payload, 'iat'),
  }
  checkTimes(times, nowMs, policy)
  // Beyond jose, which checks this only with maxTokenAge: an `iat` in the future is refused.
  if (times.iat !== undefined && times.iat > nowMs / 1000 + clockTolerance)
    throw futureIat(times.iat, Math.floor(nowMs / 1000), clockTolerance)

  for (const claim of ['iss', 'sub', 'jti']) checkOptionalString(payload, claim)
  // RFC 7519 §4.1.3: a string or an array of strings, also when no audience is configured.
  const aud = payload.aud
  if (aud !== undefined && typeof aud !== 'string') {
    if (!Array.isArray(aud) || !aud.every((member) => typeof member === 'string'))
      throw wrongType('aud', aud, 'a string or an array of strings')
  }
  if (policy.accessTokenOnly) checkOptionalString(payload, 'client_id')
  return times
}
