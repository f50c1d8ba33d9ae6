import type { KeyObject } from 'node:crypto'
import type { JWK } from 'jose'

/**
 * A private decryption key: a private JWK (or a secret `oct` JWK for `dir` and AES key wrap), a PEM
 * (PKCS#8, PKCS#1 or SEC1 private key) or a private or secret `KeyObject`. PEMs and `KeyObject`s carry no
 * `kid`: give one as `{ key, kid }`.
 */
export type DecryptionKeyInput = JWK | string | KeyObject | { key: JWK | string | KeyObject; kid?: string }

/** Key management algorithms for encrypted tokens (RFC 7518 §4.1). `RSA1_5` and `PBES2-*` are never accepted. */
export type KeyManagementAlgorithm =
  | 'RSA-OAEP'
  | 'RSA-OAEP-256'
  | 'RSA-OAEP-384'
  | 'RSA-OAEP-512'
  | 'ECDH-ES'
  | 'ECDH-ES+A128KW'
  | 'ECDH-ES+A192KW'
  | 'ECDH-ES+A256KW'
  | 'dir'
  | 'A128KW'
  | 'A192KW'
  | 'A256KW'
  | 'A128GCMKW'
  | 'A192GCMKW'
  | 'A256GCMKW'

/** Content encryption algorithms for encrypted tokens (RFC 7518 §5.1). */
export type ContentEncryptionAlgorithm =
  'A128GCM' | 'A192GCM' | 'A256GCM' | 'A128CBC-HS256' | 'A192CBC-HS384' | 'A256CBC-HS512'

/**
 * Encrypted access tokens (nested JWTs, RFC 7519 §5.2, RFC 7516): the issuer signs the token, then
 * encrypts it to this API's key. The verifier decrypts a five-segment token with these keys, then
 * verifies the signed JWT inside exactly as a plain token, against the keys of the issuer whose
 * decryption key opened it; its `iss` must be that issuer.
 *
 * Security: every decryption is a private-key operation that anyone can trigger with a made-up token.
 * Give every key a `kid` (and have the issuer send it): then a token naming no configured key is refused
 * before any decryption. `zip`, `crit`, unlisted algorithms and oversized parts are refused before
 * decrypting too.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: [{ issuer: 'https://idp.example.com/', decryption: { keys: [{ key: privatePem, kid: 'api-enc-1' }] } }],
 *   audience: 'https://api.example.com',
 * })
 * ```
 */
export interface DecryptionOptions {
  /**
   * Private keys, several during a rollover. A key whose `kid` equals the token header's is tried first;
   * keys without `kid` only when none matches. A `kid` that matches no key is refused before any
   * decryption when every key has a `kid`.
   */
  keys: DecryptionKeyInput | DecryptionKeyInput[]
  /**
   * Accepted key management algorithms. Default: `RSA-OAEP`, `RSA-OAEP-256`, `RSA-OAEP-384`,
   * `RSA-OAEP-512`, `ECDH-ES`, `ECDH-ES+A128KW`, `ECDH-ES+A256KW` — those a configured key can use — and,
   * with a secret key, `dir` and the AES key wraps of its size. `RSA1_5` and `PBES2-*` are never accepted.
   */
  algorithms?: KeyManagementAlgorithm[]
  /** Accepted content encryption algorithms. Default: the AES-GCM and AES-CBC-HMAC families. */
  encryptions?: ContentEncryptionAlgorithm[]
  /**
   * `true` refuses tokens from this issuer that are not encrypted. Default: `false` (plain signed tokens
   * are accepted too, e.g. during a migration).
   */
  required?: boolean
}
