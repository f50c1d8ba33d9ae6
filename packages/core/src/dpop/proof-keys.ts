import { LRUCache } from 'lru-cache'
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose'

/** A proof header whose key was checked, imported and has signed a valid proof. */
export interface ProofKey {
  readonly alg: string
  readonly key: CryptoKey
  /** RFC 7638 SHA-256 thumbprint of the key. */
  readonly thumbprint: string
}

/**
 * Proof keys by the proof's protected header, exactly as sent (base64url). A DPoP client signs every proof
 * with one key and one header, so after its first proof the header's JSON, the key policy, the import and
 * the thumbprint are all known. Only headers whose proof verified are remembered, so a flood of made-up
 * headers cannot push a client's key out; a header determines its key entirely, so a hit is always right.
 */
export type ProofKeyCache = LRUCache<string, ProofKey>

/** Clients seen recently; each entry is a key and a header of at most a few KiB. */
const MAX_PROOF_KEYS = 1000

export function createProofKeyCache(): ProofKeyCache {
  return new LRUCache<string, ProofKey>({ max: MAX_PROOF_KEYS })
}

/**
 * Imports a proof's `jwk` (already checked against the JWK Set key policy) for `alg` with jose, and computes
 * its thumbprint. Throws when the key does not fit `alg`.
 */
export async function importProofKey(jwk: JWK, alg: string): Promise<ProofKey> {
  const key = await importJWK(jwk, alg)
  // A public `jwk` always imports as a CryptoKey; a `Uint8Array` would be a secret, refused by the policy.
  if (key instanceof Uint8Array) throw new TypeError('a proof key must be a public key')
  return { alg, key, thumbprint: await calculateJwkThumbprint(jwk, 'sha256') }
}
