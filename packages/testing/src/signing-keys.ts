import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'

/** Algorithms the test issuer can sign with (the asymmetric ones tokenguard verifies). */
export type SigningAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'

export const SIGNING_ALGORITHMS: ReadonlySet<string> = new Set<SigningAlgorithm>([
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
  'Ed25519',
])

/** A key pair made at run time; only its public half ever leaves the process. */
export interface SigningKey {
  readonly alg: SigningAlgorithm
  readonly kid: string
  readonly privateKey: CryptoKey
  /** Public JWK with `kid`, `alg` and `use: "sig"`. */
  readonly publicJwk: Readonly<JWK>
}

export function assertSigningAlgorithm(alg: unknown, option: string): asserts alg is SigningAlgorithm {
  if (typeof alg !== 'string' || !SIGNING_ALGORITHMS.has(alg)) {
    throw new TypeError(
      `@tokenguard/testing: option "${option}" must be one of ${[...SIGNING_ALGORITHMS].join(', ')}`,
    )
  }
}

/** Generates a fresh key pair for `alg`; the `kid` is its RFC 7638 thumbprint. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  return { alg, kid, privateKey, publicJwk: Object.freeze({ ...jwk, kid, alg, use: 'sig' }) }
}

/**
 * The issuer's keys: one current signing key per algorithm, plus keys still published after a rotation
 * with `retire: false`.
 */
export class KeyRing {
  readonly #current = new Map<SigningAlgorithm, SigningKey>()
  #published: SigningKey[] = []
  readonly #pending = new Map<SigningAlgorithm, Promise<SigningKey>>()

  /** The current key for `alg`, made (and published) on first use. */
  async current(alg: SigningAlgorithm): Promise<SigningKey> {
    const existing = this.#current.get(alg)
    if (existing) return existing
    // Concurrent first uses of one algorithm must share one key, not publish several.
    let pending = this.#pending.get(alg)
    if (!pending) {
      pending = generateSigningKey(alg).then((key) => {
        this.#current.set(alg, key)
        this.#published.push(key)
        this.#pending.delete(alg)
        return key
      })
      this.#pending.set(alg, pending)
    }
    return pending
  }

  /** The current key for `alg`, if one was made. */
  peek(alg: SigningAlgorithm): SigningKey | undefined {
    return this.#current.get(alg)
  }

  /**
   * Replaces the current key of every algorithm in use. `retire` leaves only the new keys published;
   * otherwise every older key stays published (verifiable, but no longer used to sign).
   */
  async rotate(retire: boolean): Promise<void> {
    const replaced = [...this.#current.values()]
    const fresh = await Promise.all(replaced.map((key) => generateSigningKey(key.alg)))
    for (const key of fresh) this.#current.set(key.alg, key)
    this.#published = retire ? fresh : [...fresh, ...this.#published]
  }

  /** The public JWK Set (RFC 7517 §5), newest keys first. */
  jwks(): { keys: JWK[] } {
    return { keys: this.#published.map((key) => ({ ...key.publicJwk })) }
  }
}
