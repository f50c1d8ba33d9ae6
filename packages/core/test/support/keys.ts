import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'

/** A key pair made at run time (no private key is ever committed), with its public JWK. */
export interface TestKey {
  alg: string
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

let counter = 0

export async function makeKey(alg = 'RS256', options: { kid?: string; crv?: string } = {}): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(options.crv ? { crv: options.crv } : {}),
  })
  const kid = options.kid ?? `key-${alg.toLowerCase()}-${++counter}`
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey: privateKey as CryptoKey, publicJwk }
}

export interface SignOptions {
  header?: Record<string, unknown>
  /** Leave `kid` out of the header. */
  noKid?: boolean
}

/** Signs `claims` with `key`; `header` adds or overrides protected header parameters. */
export async function sign(key: TestKey, claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const header = { alg: key.alg, ...(options.noKid ? {} : { kid: key.kid }), ...options.header }
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey)
}

export const ISSUER = 'https://issuer.example.com/'
export const AUDIENCE = 'https://api.example.com'
/** A fixed clock for tests: 2026-01-01T00:00:00Z, in seconds. */
export const NOW = 1_767_225_600

/** Claims of a valid token at `NOW`. */
export function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: NOW - 10, exp: NOW + 600, ...overrides }
}

export function b64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url')
}

/** Builds a compact token from raw parts, for malformed-input tests. */
export function compact(header: unknown, payload: unknown, signature = 'c2ln'): string {
  const encode = (part: unknown) => (typeof part === 'string' ? b64url(part) : b64url(JSON.stringify(part)))
  return `${encode(header)}.${encode(payload)}.${signature}`
}
