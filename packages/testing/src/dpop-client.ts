import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

/** Options of {@link DpopClient.proof}. */
export interface DpopProofOptions {
  /** The request method. Default: `'GET'`. */
  method?: string
  /** The request URI (`htu`); a query or fragment is dropped as RFC 9449 §4.2 says. */
  url: string
  /** The access token the proof goes with: its hash becomes `ath`. Leave out for a token request. */
  accessToken?: string
  /** A server nonce (`DPoP-Nonce`) to include. */
  nonce?: string
  /** `iat` in seconds since the epoch. Default: now. */
  iat?: number
  /** `jti`. Default: a random UUID. */
  jti?: string
  /** Header parameters added last (for negative tests): they may override `typ`, `alg` and `jwk`. */
  header?: Record<string, unknown>
  /** Claims added last (for negative tests): they may override `htm`, `htu`, `ath`, … */
  claims?: Record<string, unknown>
}

/** A DPoP client key that makes proofs (RFC 9449 §4), for tests. */
export interface DpopClient {
  /** The public key sent in every proof's `jwk` header. */
  readonly jwk: JWK
  /** Its RFC 7638 SHA-256 thumbprint: put it in a token's `cnf.jkt` to bind the token to this key. */
  readonly thumbprint: string
  /** Makes a fresh proof for one request. */
  proof(options: DpopProofOptions): Promise<string>
}

/**
 * Creates a DPoP client key (ES256 by default) and a proof maker, to test APIs protected with `dpop`.
 *
 * @example
 * ```ts
 * const client = await createDpopClient()
 * const token = await issuer.sign({ cnf: { jkt: client.thumbprint } })
 * const proof = await client.proof({ method: 'GET', url: 'http://127.0.0.1:3000/items', accessToken: token })
 * await fetch('http://127.0.0.1:3000/items', { headers: { authorization: `DPoP ${token}`, dpop: proof } })
 * ```
 */
export async function createDpopClient(
  alg: 'ES256' | 'ES384' | 'PS256' | 'RS256' | 'EdDSA' = 'ES256',
): Promise<DpopClient> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = await exportJWK(publicKey)
  const thumbprint = await calculateJwkThumbprint(jwk, 'sha256')
  return {
    jwk,
    thumbprint,
    proof: (options) => makeProof(privateKey, alg, jwk, options),
  }
}

function makeProof(key: CryptoKey, alg: string, jwk: JWK, options: DpopProofOptions): Promise<string> {
  const url = new URL(options.url)
  const htu = `${url.origin}${url.pathname}`
  const claims: Record<string, unknown> = {
    htm: options.method ?? 'GET',
    htu,
    jti: options.jti ?? randomUUID(),
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...(options.accessToken === undefined
      ? {}
      : { ath: createHash('sha256').update(options.accessToken).digest('base64url') }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...options.claims,
  }
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk, ...options.header } as { alg: string })
    .sign(key)
}
