import { createPublicKey, KeyObject } from 'node:crypto'
import { createLocalJWKSet, type JWK } from 'jose'
import { ConfigError } from '../errors.js'
import { unusableKeyReason } from '../jwks/usable-keys.js'
import type { KeyInput } from '../options.js'
import { rememberKeys } from './key-memo.js'
import type { KeySource } from './key-source.js'

function isKeySet(value: object): value is { keys: unknown[] } {
  return 'keys' in value && Array.isArray((value as { keys: unknown }).keys)
}

function toJwks(input: KeyInput, option: string): unknown[] {
  if (typeof input === 'string') {
    // A private PEM would yield its public half; refuse it so private material is never configured by mistake.
    if (/PRIVATE KEY/.test(input)) throw new ConfigError(option, 'must hold public keys, not private keys')
    let key: KeyObject
    try {
      // Accepts SPKI and PKCS#1 public keys and X.509 certificates.
      key = createPublicKey(input)
    } catch (cause) {
      throw new ConfigError(
        option,
        `holds a PEM that is not a public key or certificate (${(cause as Error).message})`,
      )
    }
    return [key.export({ format: 'jwk' })]
  }
  if (input instanceof KeyObject) {
    if (input.type !== 'public')
      throw new ConfigError(option, 'must hold public keys (use "secret" for HMAC)')
    return [input.export({ format: 'jwk' })]
  }
  if (typeof input === 'object' && input !== null) return isKeySet(input) ? input.keys : [input]
  throw new ConfigError(option, 'must be a JWK, a JWK Set, a PEM string or a KeyObject')
}

/**
 * Keys configured in code: validated once, at start-up.
 *
 * A token's `kid` selects the key that carries it, as in any JWK Set. Keys without a `kid` (a PEM, a
 * `KeyObject`, a JWK without one) are candidates for a token's `kid` only when no configured key carries
 * that `kid`, whatever its type: issuers such as Auth0 and Okta put a `kid` in every token, and a key
 * pasted as PEM has none. A `kid` that names a key never falls back, so a token signed by a kid-less key
 * but naming another key fails, as it should. Among the candidates jose selects as usual: several that
 * fit the token's `alg` refuse it (`key_not_found`); jose never tries them one by one.
 */
export function createStaticKeySet(inputs: KeyInput | KeyInput[], option = 'keys'): KeySource {
  const list = Array.isArray(inputs) ? inputs : [inputs]
  const keys: JWK[] = []
  for (const input of list) {
    for (const jwk of toJwks(input, option)) {
      const reason = unusableKeyReason(jwk)
      if (reason !== undefined) throw new ConfigError(option, `holds a key that cannot be used: ${reason}`)
      keys.push(jwk as JWK)
    }
  }
  if (keys.length === 0) throw new ConfigError(option, 'holds no keys')
  const resolve = rememberKeys(createLocalJWKSet({ keys }))
  const kidless = keys.filter((jwk) => jwk.kid === undefined)
  // Every key carries a kid: jose's own selection already is the rule.
  if (kidless.length === 0)
    return {
      getKey: resolve,
      knownKey: (alg, kid) => resolve.known(alg, kid),
      generation: 0,
      description: 'static keys',
    }
  const kids = new Set(keys.map((jwk) => jwk.kid).filter((kid) => kid !== undefined))
  // A kid that no key carries is resolved among the kid-less keys, asked as if the token had no kid: so
  // every made-up kid shares one memo slot per algorithm, and the memo stays bounded by the set's size.
  // A non-string kid names no key and, as jose does, matches nothing.
  const fallback =
    kidless.length === keys.length ? resolve : rememberKeys(createLocalJWKSet({ keys: kidless }))
  const unknownKid = (kid: unknown): kid is string => typeof kid === 'string' && !kids.has(kid)
  return {
    getKey(header, token) {
      if (!unknownKid(header.kid)) return resolve(header, token)
      const { kid: _kid, ...withoutKid } = header
      return fallback(withoutKid, token)
    },
    knownKey: (alg, kid) => (unknownKid(kid) ? fallback.known(alg, undefined) : resolve.known(alg, kid)),
    generation: 0,
    description: 'static keys',
  }
}
