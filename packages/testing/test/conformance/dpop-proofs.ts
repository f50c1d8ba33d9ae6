import { createHash, createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createDpopClient, type DpopClient, type DpopProofOptions } from '../../src/index.js'
import { ANY, type Issuers } from './table.js'

/**
 * Proof makers for the DPoP conformance rows: honest clients, and proofs no honest client would make
 * (private keys in `jwk`, `alg: none`, HS256, RSA-1024), which `createDpopClient` cannot sign.
 */

/** The nonce secret of the conformance app's `nonce` profile. */
export const NONCE_SECRET = 'conformance-dpop-nonce-secret-0123456789'
/** The `publicOrigin` of the conformance app's `publicOrigin` profile. */
export const PUBLIC_ORIGIN = 'https://api.example.test'

let client: Promise<DpopClient> | undefined
let otherClient: Promise<DpopClient> | undefined
/** One client key for all rows (key generation is the slow part), and another for `jkt` mismatches. */
export const dpopClient = () => (client ??= createDpopClient())
export const otherDpopClient = () => (otherClient ??= createDpopClient())

/** A token of the trusted issuer bound to the rows' client key, and the client. */
export async function boundToken(i: Issuers, claims: Record<string, unknown> = {}) {
  const c = await dpopClient()
  return { client: c, token: await i.trusted.sign({ cnf: { jkt: c.thumbprint }, ...claims }) }
}

export const dpopHeaders = <P extends string | string[]>(token: string, proof: P) => ({
  authorization: `DPoP ${token}`,
  dpop: proof,
})

/** The DPoP challenge carrying `error` (the Bearer challenge stays bare when the profile accepts both). */
export const dpopError = (error: string) => ({ error, error_description: ANY, algs: ANY })

const now = () => Math.floor(Date.now() / 1000)
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const ath = (token: string) => createHash('sha256').update(token).digest('base64url')

/** The claims of an honest proof for `GET url` with `token`. */
export function proofClaims(url: string, token: string): Record<string, unknown> {
  const { origin, pathname } = new URL(url)
  return { htm: 'GET', htu: `${origin}${pathname}`, iat: now(), jti: randomUUID(), ath: ath(token) }
}

/** A proof whose `jwk` header carries the private key too (`d`). */
export async function privateJwkProof(url: string, token: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  return new SignJWT(proofClaims(url, token))
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
    .sign(privateKey)
}

/** An unsecured proof (`alg: none`) naming the client's public key, with a signature segment so it parses. */
export async function unsignedProof(url: string, token: string): Promise<string> {
  const { jwk } = await dpopClient()
  return `${b64({ typ: 'dpop+jwt', alg: 'none', jwk })}.${b64(proofClaims(url, token))}.AAAA`
}

/** A proof "signed" with HMAC, naming the client's public key as if it were the secret's key. */
export async function hmacProof(url: string, token: string): Promise<string> {
  const { jwk } = await dpopClient()
  return new SignJWT(proofClaims(url, token))
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk })
    .sign(new TextEncoder().encode('a shared secret of at least 32 bytes!!'))
}

/** A proof signed with a 1024-bit RSA key (jose refuses to sign with one, so node:crypto does). */
export function weakRsaProof(url: string, token: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const { n, e, kty } = publicKey.export({ format: 'jwk' })
  const input = `${b64({ typ: 'dpop+jwt', alg: 'RS256', jwk: { kty, n, e } })}.${b64(proofClaims(url, token))}`
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
}

/** A bound token and a proof for `GET <appUrl><path>`, with `options.proof` overriding the honest proof's options. */
export async function withProof(
  i: Issuers,
  appUrl: string,
  options: {
    path?: '/protected' | '/scoped'
    claims?: Record<string, unknown>
    proof?: Partial<DpopProofOptions>
  } = {},
): Promise<{ path: '/protected' | '/scoped'; headers: Record<string, string> }> {
  const { client, token } = await boundToken(i, options.claims)
  const path = options.path ?? '/protected'
  const proof = await client.proof({ url: `${appUrl}${path}`, accessToken: token, ...options.proof })
  return { path, headers: dpopHeaders(token, proof) }
}

/** A nonce as the core makes it (nonce.ts: HMAC-SHA256 of the time step), `stepsAgo` steps of 300 s back. */
export function nonceFromStep(stepsAgo: number, secret = NONCE_SECRET): string {
  const step = Math.floor(Date.now() / 300_000) - stepsAgo
  return createHmac('sha256', secret).update(`tokenguard-dpop-nonce:${step}`).digest('base64url')
}
