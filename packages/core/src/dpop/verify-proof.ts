import { createHash } from 'node:crypto'
import type { JWK } from 'jose'
import { AuthError, type ReasonDetails } from '../errors.js'
import { unusableKeyReason } from '../jwks/usable-keys.js'
import { verifySignature } from '../keys/verify-signature.js'
import { safeText, show } from '../reason.js'
import { normalizeHtu } from './htu.js'
import { importProofKey, type ProofKey, type ProofKeyCache } from './proof-keys.js'

/** What a proof is checked against: the request, the access token and the DPoP options. */
export interface ProofExpectations {
  /** The request method, as sent. */
  readonly method: string
  /** The normalised URI the proof must name (see `requestHtu`), `undefined` when the request has none. */
  readonly htu: string | undefined
  /** The access token exactly as sent: `ath` is its hash. */
  readonly token: string
  readonly nowMs: number
  readonly algorithms: readonly string[]
  /** Seconds a proof may be old. */
  readonly maxAge: number
  /** Seconds of clock skew allowed either way. */
  readonly clockTolerance: number
  /** Checks the proof's `nonce` claim (throws to refuse); runs before the signature, the costly step. */
  readonly checkNonce?: ((nonce: unknown) => void) | undefined
  /** Keys of proof headers seen before (see `ProofKeyCache`). */
  readonly proofKeys: ProofKeyCache
}

/** A proof that passed every check but the replay one, which the caller makes. */
export interface CheckedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key. */
  readonly thumbprint: string
  readonly jti: string
  /** The proof's `htu`, normalised. */
  readonly htu: string
}

/** RFC 9449 §4.2 gives no bound; 256 characters hold any random identifier with room to spare. */
const MAX_JTI_LENGTH = 256
const SEGMENT = /^[A-Za-z0-9_-]+$/

export function invalidProof(message: string, details: ReasonDetails = {}): AuthError {
  return new AuthError('dpop_proof_invalid', { reason: { ...details, message } })
}

function decodeJson(segment: string | undefined, what: string): Record<string, unknown> {
  if (segment === undefined || !SEGMENT.test(segment))
    throw invalidProof(`the proof's ${what} is not base64url`)
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    throw invalidProof(`the proof's ${what} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidProof(`the proof's ${what} is not a JSON object`)
  return value as Record<string, unknown>
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url')
}

function checkHeader(header: Record<string, unknown>, algorithms: readonly string[]): JWK {
  if (header.typ !== 'dpop+jwt')
    throw invalidProof('the proof\'s typ is not "dpop+jwt"', {
      check: 'dpop',
      expected: 'dpop+jwt',
      actual: show(header.typ),
    })
  // RFC 9449 defines no critical extension for proofs; `b64: false` would make the payload unencoded.
  if (header.crit !== undefined || header.b64 !== undefined)
    throw invalidProof('the proof has a crit or b64 header parameter', {
      actual: show(header.crit ?? header.b64),
    })
  const alg = header.alg
  if (typeof alg !== 'string' || !algorithms.includes(alg))
    throw invalidProof('the proof is signed with an algorithm not allowed', {
      expected: algorithms.join(' '),
      actual: show(alg),
    })
  const jwk = header.jwk
  // The same policy as a JWK Set key: a public key of a supported type, size and curve. `jwk` verifies this
  // proof only, never the access token.
  const problem = unusableKeyReason(jwk)
  if (problem !== undefined) throw invalidProof(`the proof's jwk is refused: ${problem}`, { actual: problem })
  if ((jwk as JWK).alg !== undefined && (jwk as JWK).alg !== alg)
    throw invalidProof("the proof's jwk is for another alg", {
      expected: alg,
      actual: show((jwk as JWK).alg),
    })
  return jwk as JWK
}

function checkTime(iat: unknown, expect: ProofExpectations): void {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalidProof('the proof has no numeric iat')
  const now = expect.nowMs / 1000
  if (iat > now + expect.clockTolerance)
    throw invalidProof('the proof was issued in the future', {
      check: 'dpop',
      actual: iat,
      now: Math.floor(now),
      clockTolerance: expect.clockTolerance,
    })
  // One second inside the replay store's memory (`maxAge + 2 × clockTolerance`): a proof can never outlive
  // the record of its use, however long the two checks of one request are apart.
  if (iat <= now - expect.maxAge - expect.clockTolerance + 1)
    throw invalidProof(`the proof is older than dpop.maxAge (${expect.maxAge} s)`, {
      actual: iat,
      now: Math.floor(now),
      clockTolerance: expect.clockTolerance,
    })
}

/** The proof's key: remembered for a header seen before, else checked against the key policy and imported. */
async function proofKeyOf(
  header: string,
  expect: ProofExpectations,
): Promise<{ proofKey: ProofKey; known: boolean }> {
  const known = expect.proofKeys.get(header)
  // A remembered header passed these checks, but perhaps under another middleware's algorithms.
  if (known !== undefined && expect.algorithms.includes(known.alg)) return { proofKey: known, known: true }
  const decoded = decodeJson(header, 'header')
  const jwk = checkHeader(decoded, expect.algorithms)
  try {
    return { proofKey: await importProofKey(jwk, decoded.alg as string), known: false }
  } catch (cause) {
    throw new AuthError('dpop_proof_invalid', {
      cause,
      reason: { message: "the proof's jwk does not fit its alg" },
    })
  }
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3) against the request and the access token: syntax, `typ`, `alg`, the
 * embedded key's policy, `htm`, `htu`, `iat`, `jti`, `ath`, the nonce, and last the signature (the one
 * costly step), with node:crypto as for access tokens. The replay check is the caller's.
 *
 * @throws AuthError `dpop_proof_invalid`, `dpop_nonce_required`
 */
export async function verifyProof(proof: string, expect: ProofExpectations): Promise<CheckedProof> {
  const segments = proof.split('.')
  if (segments.length !== 3) throw invalidProof('the proof is not a compact JWS')
  const [header, body, signature] = segments as [string, string, string]
  if (!SEGMENT.test(header)) throw invalidProof("the proof's header is not base64url")
  const payload = decodeJson(body, 'payload')
  if (!SEGMENT.test(signature)) throw invalidProof("the proof's signature is not base64url")
  const { proofKey, known } = await proofKeyOf(header, expect)
  if (payload.htm !== expect.method)
    throw invalidProof('the proof was made for another method', {
      expected: expect.method,
      actual: show(payload.htm),
    })
  const htu = normalizeHtu(payload.htu)
  if (htu === undefined || expect.htu === undefined || htu !== expect.htu)
    throw invalidProof('the proof was made for another URI', {
      ...(expect.htu === undefined ? {} : { expected: safeText(expect.htu) }),
      actual: show(payload.htu),
    })
  checkTime(payload.iat, expect)
  const jti = payload.jti
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    throw invalidProof(`the proof's jti is not a string of 1 to ${MAX_JTI_LENGTH} characters`)
  if (payload.ath !== sha256(expect.token))
    throw invalidProof(
      payload.ath === undefined
        ? 'the proof has no ath'
        : "the proof's ath is not the hash of the access token",
    )
  expect.checkNonce?.(payload.nonce)
  let valid: boolean
  try {
    valid = await verifySignature(
      proofKey.alg,
      proofKey.key,
      Buffer.from(`${header}.${body}`, 'latin1'),
      Buffer.from(signature, 'base64url'),
    )
  } catch (cause) {
    throw new AuthError('dpop_proof_invalid', {
      cause,
      reason: { message: "the proof's jwk does not fit its alg" },
    })
  }
  if (!valid) throw invalidProof('the proof signature does not verify with its jwk')
  if (!known) expect.proofKeys.set(header, proofKey)
  return { thumbprint: proofKey.thumbprint, jti, htu }
}
