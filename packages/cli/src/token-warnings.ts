import { display, relativeTime } from './text.js'

/**
 * What a default verifier would refuse, read from the unverified header and claims. Advice only: a token
 * with no warning may still be refused (signature, issuer, audience), and `inspect` never says otherwise.
 */

export interface Warning {
  /** The header parameter or claim concerned. */
  subject: string
  message: string
}

/** The core's default `algorithms` (RFC 8725 §3.1: asymmetric only). */
export const DEFAULT_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
])
const HMAC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512'])
/** `typ` values the core accepts by default (absent is accepted too). */
const ACCEPTED_TYPES = new Set(['jwt', 'application/jwt', 'at+jwt', 'application/at+jwt'])
/** The core's default `maxTokenLength`. */
const MAX_TOKEN_LENGTH = 8192
/** The core's default `clockTolerance`, in seconds. */
const CLOCK_TOLERANCE = 5

function algorithmWarning(alg: unknown): string | undefined {
  if (typeof alg !== 'string') return 'no alg: the token cannot be verified'
  if (alg.toLowerCase() === 'none') return 'alg "none" (an unsigned token) is never accepted'
  if (HMAC_ALGORITHMS.has(alg))
    return `alg ${display(alg)} is symmetric: accepted only by a verifier given the shared secret`
  if (alg === 'Ed25519')
    return 'alg "Ed25519" is accepted only when listed in "algorithms" (the default lists EdDSA)'
  if (!DEFAULT_ALGORITHMS.has(alg))
    return `alg ${JSON.stringify(display(alg))} is not one the verifier accepts`
  return undefined
}

export function bindingWarning(cnf: unknown): string {
  const members = typeof cnf === 'object' && cnf !== null ? Object.keys(cnf) : []
  const kind = members.includes('jkt')
    ? 'a DPoP key (cnf.jkt, RFC 9449): each request needs a DPoP proof signed by that key'
    : members.includes('x5t#S256')
      ? 'a TLS client certificate (cnf["x5t#S256"], RFC 8705): requests must come over mutual TLS with it'
      : `a key (cnf ${display(cnf, 60)})`
  return `bound to ${kind}; the verifier refuses it as a plain bearer token (binding_unverified)`
}

function timeWarnings(payload: Record<string, unknown>, now: number): Warning[] {
  const warnings: Warning[] = []
  const { exp, nbf, iat } = payload
  if (exp === undefined)
    warnings.push({
      subject: 'exp',
      message: 'no exp: the verifier requires exp by default (requiredClaims ["exp"])',
    })
  for (const [claim, value] of [
    ['exp', exp],
    ['nbf', nbf],
    ['iat', iat],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      warnings.push({ subject: claim, message: `${claim} is not a finite number (a NumericDate): refused` })
  }
  if (typeof exp === 'number' && exp <= now - CLOCK_TOLERANCE)
    warnings.push({ subject: 'exp', message: `expired ${relativeTime(exp, now)}: refused (token_expired)` })
  if (typeof nbf === 'number' && nbf > now + CLOCK_TOLERANCE)
    warnings.push({
      subject: 'nbf',
      message: `not valid before ${relativeTime(nbf, now).replace(/^in /, 'another ')}: refused until then (token_not_yet_valid)`,
    })
  if (typeof iat === 'number' && iat > now + CLOCK_TOLERANCE)
    warnings.push({
      subject: 'iat',
      message: `issued in the future (${relativeTime(iat, now)}): refused (check the issuer's clock)`,
    })
  return warnings
}

/** Warnings for a decoded token, `now` in seconds. */
export function tokenWarnings(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  now: number,
  tokenLength: number,
): Warning[] {
  const warnings: Warning[] = []
  const alg = algorithmWarning(header.alg)
  if (alg) warnings.push({ subject: 'alg', message: alg })
  const { typ } = header
  if (typ !== undefined && !(typeof typ === 'string' && ACCEPTED_TYPES.has(typ.toLowerCase())))
    warnings.push({
      subject: 'typ',
      message: `typ ${JSON.stringify(display(typ, 60))} is not an access token type (JWT, at+jwt or absent): refused`,
    })
  if (Array.isArray(header.crit))
    warnings.push({
      subject: 'crit',
      message: 'crit header parameters: refused unless the verifier understands them',
    })
  warnings.push(...timeWarnings(payload, now))
  if (payload.iss === undefined)
    warnings.push({ subject: 'iss', message: 'no iss: refused by every verifier configured with an issuer' })
  if (payload.aud === undefined)
    warnings.push({ subject: 'aud', message: 'no aud: refused by a verifier configured with an audience' })
  if (Object.hasOwn(payload, 'cnf')) warnings.push({ subject: 'cnf', message: bindingWarning(payload.cnf) })
  if (tokenLength > MAX_TOKEN_LENGTH)
    warnings.push({
      subject: 'token',
      message: `${tokenLength} characters: over the default maxTokenLength ${MAX_TOKEN_LENGTH}`,
    })
  return warnings
}
