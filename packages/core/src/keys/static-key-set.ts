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

/** Keys configured in code: validated once, at start-up. */
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
  return { getKey: resolve, knownKey: (alg, kid) => resolve.known(alg, kid), generation: 0 }
}
