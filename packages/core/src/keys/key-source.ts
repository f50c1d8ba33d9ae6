import type { createLocalJWKSet, FlattenedJWSInput, JWSHeaderParameters } from 'jose'
import type { KeyObject } from 'node:crypto'

/** A verification key: the CryptoKey jose's key sets import, or a Node `KeyObject` (HMAC secrets). */
export type VerificationKey = Awaited<ReturnType<ReturnType<typeof createLocalJWKSet>>> | KeyObject

/**
 * Where one issuer's verification keys come from. `getKey` has the shape of a jose key resolver; for JWK
 * Sets it is jose's own (`createLocalJWKSet`), so jose does the key selection and import, and the
 * verifier checks the signature with the key it returns (`verifySignature`).
 */
export interface KeySource {
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey>
  /**
   * Changes whenever a key that verified earlier tokens may have left the set; cached verifications
   * made under an older generation are discarded.
   */
  readonly generation: number
  /** Where the keys come from, for the operator's explanations: a JWK Set URL, `static keys`, `secret`. */
  readonly description?: string
  /**
   * Called on every token-cache hit, which otherwise never reaches `getKey`: brings the set up to date
   * the way `getKey` would (refetch when expired, refresh ahead in the background, 503 past the stale
   * window), so that `generation` keeps moving while every request is served from the cache. Returns
   * `undefined` when the set is fresh (the common, synchronous case). Absent for keys that never change.
   */
  freshen?(nowMs: number): Promise<void> | undefined
  /**
   * The key `getKey` already resolved for this `alg` and `kid` from the current, fresh set, or
   * `undefined` (then call `getKey`). Spares the hot path a key search and an await.
   */
  knownKey?(alg: string, kid: unknown, nowMs: number): VerificationKey | undefined
  /**
   * Loads the keys now (discovery and the first JWK Set fetch), for `verifier.ready()`; rejects with the
   * fetch error. Absent for keys configured in code, which are ready at once.
   */
  ready?(): Promise<void>
}
