import { AuthError } from './errors.js'
import { show } from './reason.js'

/**
 * Sender-constrained tokens (RFC 7800 `cnf`): a token bound to a DPoP key (`cnf.jkt`, RFC 9449) or a TLS
 * client certificate (`cnf["x5t#S256"]`, RFC 8705) is only as safe as the proof of that binding.
 * Accepting it as a plain bearer token would hand a stolen bound token to whoever holds it.
 */

/** The proofs of possession a caller of the verifier checks itself (the adapters' authenticator does). */
export type BindingMethod = 'dpop' | 'mtls'

/** The binding members of a token's `cnf` that the core can verify. */
export interface TokenBinding {
  /** RFC 9449 `cnf.jkt`: the SHA-256 JWK thumbprint of the client's DPoP key. */
  readonly jkt?: string
  /** RFC 8705 `cnf["x5t#S256"]`: the SHA-256 thumbprint of the client's TLS certificate. */
  readonly x5t?: string
}

const BASE64URL_SHA256 = /^[A-Za-z0-9_-]{43}$/

function unverified(message: string, actual?: string): AuthError {
  return new AuthError('binding_unverified', {
    reason: { message, ...(actual === undefined ? {} : { actual }) },
  })
}

function thumbprintMember(cnf: Record<string, unknown>, member: string): string | undefined {
  if (!Object.hasOwn(cnf, member)) return undefined
  const value = cnf[member]
  if (typeof value !== 'string' || !BASE64URL_SHA256.test(value))
    throw unverified(`cnf["${member}"] is not a base64url SHA-256 thumbprint`, show(value))
  return value
}

/**
 * Reads a token's binding, refusing (`binding_unverified`) every `cnf` the caller cannot verify: any `cnf`
 * at all when `checked` is empty (a bare `verify()`), one whose shape is not an object of thumbprints, one
 * with no member the core verifies, or one bound by a method the caller does not check. Members beside
 * `jkt` and `x5t#S256` are ignored (some providers add their own). Returns `undefined` for a token
 * without `cnf`.
 */
/**
 * Marks a refusal of a token that carries a well-formed `cnf.jkt` (`claim: 'cnf.jkt'`), so that a caller
 * that verifies DPoP can answer `binding_mismatch` without decoding the token again (it may be encrypted).
 */
function jktClaim(cnf: unknown): { claim?: string } {
  if (typeof cnf !== 'object' || cnf === null || !Object.hasOwn(cnf, 'jkt')) return {}
  const jkt = (cnf as Record<string, unknown>).jkt
  return typeof jkt === 'string' && BASE64URL_SHA256.test(jkt) ? { claim: 'cnf.jkt' } : {}
}

export function readBinding(
  payload: Record<string, unknown>,
  checked: readonly BindingMethod[] | undefined,
): TokenBinding | undefined {
  if (!Object.hasOwn(payload, 'cnf')) return undefined
  if (checked === undefined || checked.length === 0)
    throw new AuthError('binding_unverified', jktClaim(payload.cnf))
  const cnf = payload.cnf
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))
    throw unverified('cnf is not a JSON object', show(cnf))
  const members = cnf as Record<string, unknown>
  const jkt = thumbprintMember(members, 'jkt')
  const x5t = thumbprintMember(members, 'x5t#S256')
  if (jkt === undefined && x5t === undefined)
    throw unverified('cnf holds no binding the core verifies (jkt or x5t#S256)', show(Object.keys(members)))
  if (jkt !== undefined && !checked.includes('dpop'))
    throw new AuthError('binding_unverified', {
      claim: 'cnf.jkt',
      reason: { message: 'the token is DPoP-bound (cnf.jkt) and DPoP is not enabled' },
    })
  if (x5t !== undefined && !checked.includes('mtls'))
    throw unverified('the token is certificate-bound (cnf["x5t#S256"]) and mTLS is not enabled')
  return { ...(jkt === undefined ? {} : { jkt }), ...(x5t === undefined ? {} : { x5t }) }
}
