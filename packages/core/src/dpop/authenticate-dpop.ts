import { readBinding, type BindingMethod } from '../binding.js'
import type { RequestFacts } from '../request-facts.js'
import type { Verifier } from '../create-verifier.js'
import { errorText } from '../diagnostics.js'
import { AuthError, isAuthError } from '../errors.js'
import { countRawHeader, readHeader, type HeadersLike } from '../extract-token.js'
import type { RequestBinding, VerifiedToken } from '../types.js'
import type { ResolvedDpop } from './dpop-options.js'
import { requestHtu, type RequestUrl } from './htu.js'
import { invalidProof, sha256, verifyProof } from './verify-proof.js'

/** RFC 9449 gives no bound; 8 KiB holds a proof with an RSA-4096 key several times over. */
const MAX_PROOF_LENGTH = 8192
const CHECKED: readonly BindingMethod[] = Object.freeze(['dpop'])
const WITH_MTLS: readonly BindingMethod[] = Object.freeze(['dpop', 'mtls'])

/** What the DPoP check needs of a request. */
export interface DpopRequestFacts {
  readonly method: string
  readonly headers: HeadersLike
  readonly rawHeaders?: readonly string[] | undefined
  /** The request URL as the client saw it; `undefined` when the adapter cannot tell. */
  readonly url: RequestUrl | undefined
}

/** The request's one `DPoP` header holding one compact JWS (RFC 9449 §4.3 points 1 and 2). */
function proofOf(facts: DpopRequestFacts): string {
  const value = readHeader(facts.headers, 'dpop')
  if (value === undefined || value === '') throw invalidProof('the request has no DPoP header')
  if (
    Array.isArray(value) ||
    (facts.rawHeaders !== undefined && countRawHeader(facts.rawHeaders, 'dpop') > 1)
  )
    throw invalidProof('the DPoP header is repeated')
  if (value.length > MAX_PROOF_LENGTH)
    throw invalidProof(`the DPoP header is longer than ${MAX_PROOF_LENGTH} characters`, {
      actual: value.length,
    })
  if (value.includes(',')) throw invalidProof('the DPoP header holds more than one value')
  return value
}

/** True when the request carries a `DPoP` header at all (a Bearer request must not). */
export function hasDpopHeader(headers: HeadersLike): boolean {
  return readHeader(headers, 'dpop') !== undefined
}

/**
 * Verifies a request made with the `DPoP` scheme (RFC 9449 §7.1): the access token, then its proof, then
 * that the proof's key is the one the token is bound to, the nonce, and last the replay store (so that
 * invalid proofs never fill it).
 *
 * `checkCertificate`, given when mTLS is enabled, checks a certificate binding (`cnf["x5t#S256"]`) too and
 * returns the certificate thumbprint the token is bound to; a token bound both ways needs both proofs.
 *
 * @throws AuthError `dpop_proof_invalid`, `dpop_nonce_required`, `binding_mismatch`,
 * `replay_store_unavailable`, or any code of the token's own verification.
 */
export async function authenticateDpop(
  verifier: Verifier,
  dpop: ResolvedDpop,
  publicOrigin: string | undefined,
  token: string,
  facts: DpopRequestFacts,
  checkCertificate?: (payload: object) => string | undefined | Promise<string | undefined>,
  requestFacts?: RequestFacts,
): Promise<VerifiedToken> {
  const proof = proofOf(facts)
  const checked = checkCertificate === undefined ? CHECKED : WITH_MTLS
  const verified = await verifier.verifyNow(
    token,
    requestFacts === undefined
      ? { bindingsCheckedByCaller: checked }
      : { bindingsCheckedByCaller: checked, facts: requestFacts },
  )
  const binding = readBinding(verified.payload as Record<string, unknown>, checked)
  if (binding?.jkt === undefined && dpop.mode === 'required')
    throw new AuthError('binding_mismatch', {
      reason: { message: 'the token is not DPoP-bound (no cnf.jkt) and dpop.mode is "required"' },
    })
  const nowMs = Date.now()
  const nonces = dpop.nonces
  const proven = await verifyProof(proof, {
    method: facts.method,
    htu: facts.url === undefined ? undefined : requestHtu(publicOrigin, facts.url),
    token,
    nowMs,
    algorithms: dpop.algorithms,
    maxAge: dpop.maxAge,
    clockTolerance: dpop.clockTolerance,
    proofKeys: dpop.proofKeys,
    checkNonce:
      nonces === undefined
        ? undefined
        : (nonce) => {
            if (!nonces.isValid(nonce, nowMs))
              throw new AuthError('dpop_nonce_required', {
                reason: {
                  message:
                    nonce === undefined
                      ? 'the proof carries no nonce'
                      : 'the proof nonce is wrong or expired',
                },
              })
          },
  })
  if (binding?.jkt !== undefined && proven.thumbprint !== binding.jkt)
    throw new AuthError('binding_mismatch', {
      reason: {
        message: 'the proof is signed by another key than the one the token is bound to (cnf.jkt)',
        expected: binding.jkt,
        actual: proven.thumbprint,
      },
    })
  // Before the replay store, so that requests refused for their certificate never fill it.
  const certificateThumbprint = await checkCertificate?.(verified.payload)
  await useOnce(dpop, sha256(`${proven.htu} ${proven.jti}`))
  const requestBinding: RequestBinding = Object.freeze({
    method: 'dpop',
    thumbprint: proven.thumbprint,
    ...(certificateThumbprint === undefined ? {} : { certificateThumbprint }),
  })
  return Object.freeze({ ...verified, binding: requestBinding })
}

async function useOnce(dpop: ResolvedDpop, id: string): Promise<void> {
  let fresh: unknown
  try {
    fresh = await dpop.replayStore.useOnce(id, dpop.replayTtlMs)
  } catch (cause) {
    throw new AuthError('replay_store_unavailable', {
      cause,
      reason: { message: `the replay store failed: ${errorText(cause)}` },
    })
  }
  // Fail closed: only `true` lets a proof through, and an answer that is not a boolean is a broken store.
  if (fresh === true) return
  if (fresh === false) throw invalidProof('the proof was used before (replay)')
  throw new AuthError('replay_store_unavailable', {
    reason: { message: `the replay store answered ${typeof fresh}, not a boolean` },
  })
}

/**
 * A DPoP-bound token sent with the Bearer scheme is refused by the verifier as `binding_unverified`;
 * with DPoP enabled the core can check that binding, so the answer is `binding_mismatch` (its proof is
 * missing). Runs on failures only.
 */
export function asBindingMismatch(error: unknown): unknown {
  // The verifier marks a refusal of a token carrying a well-formed `cnf.jkt`: nothing is decoded again here.
  if (!isAuthError(error) || error.code !== 'binding_unverified' || error.claim !== 'cnf.jkt') return error
  return new AuthError('binding_mismatch', {
    cause: error.cause,
    reason: {
      ...error.reason,
      check: 'cnf',
      message: 'the token is DPoP-bound (cnf.jkt) and was sent as a Bearer token, without a proof',
    },
  })
}
