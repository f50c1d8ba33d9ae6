import type { createLocalJWKSet, FlattenedJWSInput, JWSHeaderParameters } from 'jose'
import type { KeyObject } from 'node:crypto'

/** A key jose can verify with: the CryptoKey its key sets import, or a Node `KeyObject`. */
export type VerificationKey = Awaited<ReturnType<ReturnType<typeof createLocalJWKSet>>> | KeyObject

/**
 * Where one issuer's verification keys come from. `getKey` is handed to jose's `jwtVerify` as its key
 * resolver, so jose does the key selection and the crypto.
 */
export interface KeySource {
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey>
  /**
   * Changes whenever a key that verified earlier tokens may have left the set; cached verifications
   * made under an older generation are discarded.
   */
  readonly generation: number
  /**
   * Called on every token-cache hit, which otherwise never reaches `getKey`: brings the set up to date
   * the way `getKey` would (refetch when expired, refresh ahead in the background, 503 past the stale
   * window), so that `generation` keeps moving while every request is served from the cache. Returns
   * `undefined` when the set is fresh (the common, synchronous case). Absent for keys that never change.
   */
  freshen?(nowMs: number): Promise<void> | undefined
  /**
   * The key `getKey` already resolved for this `alg` and `kid` from the current, fresh set, or
   * `undefined` (then call `getKey`). Lets the verifier give jose the key itself on the hot path.
   */
  knownKey?(alg: string, kid: unknown, nowMs: number): VerificationKey | undefined
}
