import type { FlattenedJWSInput, JWSHeaderParameters } from 'jose'
import type { VerificationKey } from './key-source.js'

type Resolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<VerificationKey>

/** A key resolver that can also tell, synchronously, which key it resolved before for an `alg` and `kid`. */
export interface RememberingResolver extends Resolver {
  known(alg: string, kid: unknown): VerificationKey | undefined
}

/**
 * Wraps the resolver of one local JWK Set (jose's `createLocalJWKSet`) so that, once a token's `alg` and
 * `kid` have resolved to a key, the verifier can use that key at once: no candidate search and no
 * extra await on every later token. jose selects keys on `alg` and `kid` alone, so the same pair always
 * selects the same key from the same set; a refetched set gets a new memo. Only resolved keys are kept
 * (several candidates make jose throw, and the token is refused), so the memo is bounded by the set's size
 * and an attacker's made-up `kid` never enters it. That relies on the wrapped resolver selecting by the
 * header's own `kid`, as jose's does: a caller that lets an unknown `kid` fall back to keys without one
 * (static keys do) asks without that `kid`, so those lookups all share the `(alg, no kid)` slot.
 */
export function rememberKeys(resolve: Resolver): RememberingResolver {
  const memo = new Map<string, Map<string | undefined, VerificationKey>>()
  const remembering = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    const key = await resolve(header, token)
    const { alg, kid } = header
    if (typeof alg === 'string' && (kid === undefined || typeof kid === 'string')) {
      let byKid = memo.get(alg)
      if (byKid === undefined) memo.set(alg, (byKid = new Map()))
      byKid.set(kid, key)
    }
    return key
  }
  return Object.assign(remembering, {
    known(alg: string, kid: unknown): VerificationKey | undefined {
      if (kid !== undefined && typeof kid !== 'string') return undefined
      return memo.get(alg)?.get(kid)
    },
  })
}
