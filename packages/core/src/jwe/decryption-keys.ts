import { AuthError } from '../errors.js'
import { safeValue, show } from '../reason.js'
import type { TrustedIssuer } from '../resolve-options.js'
import { keyFits, type DecryptionKey, type IssuerDecryption } from './decryption-options.js'

/**
 * Every decryption key of the verifier, across issuers, and the `kid` rule that picks the keys a token
 * may be decrypted with — the same rule as for static verification keys. A key configured for several
 * issuers (one API key pair that two tenants encrypt to) is one entry owned by all of them: it is tried
 * once, and the signed token inside decides which owner it came from.
 */

/** A configured key and the issuers whose tokens it may open. */
export interface KeyringEntry {
  readonly key: DecryptionKey
  readonly owners: readonly DecryptingIssuer[]
}

/** An issuer with decryption keys. */
export type DecryptingIssuer = TrustedIssuer & { readonly decryption: IssuerDecryption }

export interface DecryptionKeyring {
  readonly entries: readonly KeyringEntry[]
  /** Key management and content encryption algorithms that at least one issuer accepts. */
  readonly algorithms: ReadonlySet<string>
  readonly encryptions: ReadonlySet<string>
  /**
   * The keys to try, in order, for a token's header: those whose `kid` equals the header's; else, only
   * when some key has no `kid`, the keys without one. Each must fit `alg` (and `enc` for `dir`) and be
   * owned by an issuer that accepts `alg` and `enc`.
   * @throws AuthError `key_not_found` when there is none: nothing is decrypted.
   */
  candidates(alg: string, enc: string, kid: string | undefined): KeyringEntry[]
}

function keyNotFound(message: string, kid: string | undefined): AuthError {
  return new AuthError('key_not_found', {
    reason: { message, actual: kid === undefined ? null : safeValue(kid), keySource: 'decryption keys' },
  })
}

export function createDecryptionKeyring(issuers: Iterable<TrustedIssuer>): DecryptionKeyring | undefined {
  const entries: { key: DecryptionKey; owners: DecryptingIssuer[] }[] = []
  const algorithms = new Set<string>()
  const encryptions = new Set<string>()
  for (const trusted of issuers) {
    if (trusted.decryption === undefined) continue
    const issuer = trusted as DecryptingIssuer
    for (const alg of issuer.decryption.algorithms) algorithms.add(alg)
    for (const enc of issuer.decryption.encryptions) encryptions.add(enc)
    for (const key of issuer.decryption.keys) {
      // The same key material under the same kid is one key: decrypting with it twice would only double
      // what a forged token costs.
      const same = entries.find((entry) => entry.key.kid === key.kid && entry.key.key.equals(key.key))
      if (same === undefined) entries.push({ key, owners: [issuer] })
      else if (!same.owners.includes(issuer)) same.owners.push(issuer)
    }
  }
  if (entries.length === 0) return undefined
  const kids = new Set(entries.map((entry) => entry.key.kid))
  const everyKeyHasKid = !kids.has(undefined)

  return {
    entries,
    algorithms,
    encryptions,
    candidates(alg, enc, kid) {
      let pool: readonly KeyringEntry[] = entries
      if (kid !== undefined) {
        if (kids.has(kid)) pool = entries.filter((entry) => entry.key.kid === kid)
        else if (everyKeyHasKid)
          throw keyNotFound(`no decryption key has kid ${show(kid)}, and every decryption key has a kid`, kid)
        else pool = entries.filter((entry) => entry.key.kid === undefined)
      }
      const fitting = pool.filter(
        (entry) =>
          keyFits(entry.key, alg, enc) &&
          entry.owners.some(
            (owner) => owner.decryption.algorithms.has(alg) && owner.decryption.encryptions.has(enc),
          ),
      )
      if (fitting.length === 0)
        throw keyNotFound(
          `no decryption key ${kid === undefined ? 'without kid' : `for kid ${show(kid)}`} accepts alg ${show(alg)} with enc ${show(enc)}`,
          kid,
        )
      return fitting
    },
  }
}
