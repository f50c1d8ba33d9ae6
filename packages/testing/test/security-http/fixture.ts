import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { exportJWK, type JWK } from 'jose'
import type { TestIssuer } from '../../src/index.js'
import { createTestIssuer } from '../../src/index.js'
import { signJson, signParts, startListener, type Listener } from '../../../core/test/support/attack.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, type TestKey } from '../../../core/test/support/keys.js'
import { rawSignature } from '../../../core/test/support/raw-sign.js'

/** Keys, issuers and the "attacker" listener every attack row can use. */
export interface Fixture {
  /** Trusted static keys (profile `static` and its variants). */
  rsa: TestKey
  ec: TestKey
  /** An untrusted key: the attacker's. */
  attacker: TestKey
  /** The trusted RSA public key as SPKI PEM text, for HS/RS confusion. */
  rsaPem: string
  /** A live issuer with discovery and a JWK Set (profile `discovery`). */
  trusted: TestIssuer
  /** An issuer whose server is stopped (profile `keysDown`). */
  down: TestIssuer
  /** Counts connections to URLs put in `jku` / `x5u` headers: must stay at zero. */
  listener: Listener
}

export async function createFixture(): Promise<Fixture> {
  const [rsa, ec, attacker, trusted, down, listener] = await Promise.all([
    makeKey('RS256'),
    makeKey('ES256'),
    makeKey('RS256', { kid: 'attacker-key' }),
    createTestIssuer(),
    createTestIssuer(),
    startListener(),
  ])
  await down.close()
  const rsaPem = createPublicKey({ key: rsa.publicJwk as JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString()
  return { rsa, ec, attacker, rsaPem, trusted, down, listener }
}

export async function closeFixture(fixture: Fixture): Promise<void> {
  await Promise.all([fixture.trusted.close(), fixture.listener.close()])
}

const staticKeys = (f: Fixture) => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  keys: { keys: [f.rsa.publicJwk, f.ec.publicJwk] },
  now: () => NOW * 1000,
})

/** Option profiles; each gets its own app per framework. */
export const PROFILES = {
  static: staticKeys,
  discovery: (f: Fixture) => ({ issuer: f.trusted.url, audience: f.trusted.audience }),
  optional: (f: Fixture) => ({ ...staticKeys(f), credentialsRequired: false }),
  preflightAllowed: (f: Fixture) => ({ ...staticKeys(f), allowPreflight: true }),
  query: (f: Fixture) => ({ ...staticKeys(f), query: 'access_token' }),
  keysDown: (f: Fixture) => ({ issuer: f.down.url, audience: f.down.audience, jwks: { timeout: 2000 } }),
  revocationThrows: (f: Fixture) => ({
    ...staticKeys(f),
    isRevoked: () => {
      throw new TypeError('revocation store unreachable')
    },
  }),
  revocationRejects: (f: Fixture) => ({
    ...staticKeys(f),
    // A non-Error rejection, as a sloppy client library might produce.
    isRevoked: () => Promise.reject('ECONNRESET'),
  }),
  revokedJti: (f: Fixture) => ({
    ...staticKeys(f),
    isRevoked: (p: { jti?: unknown }) => p.jti === 'revoked',
  }),
  validateRejects: (f: Fixture) => ({
    ...staticKeys(f),
    validate: (p: { sub?: unknown }) => p.sub !== 'mallory',
  }),
} satisfies Record<string, (fixture: Fixture) => Record<string, unknown>>

export type Profile = keyof typeof PROFILES

/** A token signed by a trusted static key, valid at `NOW`. */
export function good(
  f: Fixture,
  overrides: Record<string, unknown> = {},
  key: TestKey = f.rsa,
): Promise<string> {
  return signJson(key, { alg: key.alg, kid: key.kid, typ: 'JWT' }, claims(overrides))
}

/** Signs raw header and payload texts with a trusted key, for claim values JSON.stringify cannot write. */
export function rawSigned(key: TestKey, header: string, payload: string): Promise<string> {
  return signParts(key, header, payload)
}

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url')

/** An HS256 token MACed with `secret` text (the public key in some form), naming the RSA key's `kid`. */
export function hmacWith(f: Fixture, secret: string): string {
  const input = `${b64(JSON.stringify({ alg: 'HS256', kid: f.rsa.kid, typ: 'JWT' }))}.${b64(JSON.stringify(claims()))}`
  return `${input}.${rawSignature('HS256', new TextEncoder().encode(secret), input)}`
}

/** An unsigned token with the given `alg` spelling and signature text. */
export function unsigned(alg: string, signature: string): string {
  return `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify(claims()))}.${signature}`
}

/** The attacker's public JWK, to embed in a `jwk` header. */
export function attackerJwk(f: Fixture): Promise<JWK> {
  return exportJWK(f.attacker.privateKey).then(({ kty, n, e }) => ({ kty, n, e }) as JWK)
}

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')

/** The ECDSA twin `(r, n − s)` of an ES256 token: a different string, the same signed claims. */
export function ecdsaTwin(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const raw = Buffer.from(signature, 'base64url')
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`)
  const twin = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex')
  return `${header}.${payload}.${Buffer.concat([raw.subarray(0, 32), twin]).toString('base64url')}`
}

/** Changes the unused low bits of the signature's last character: same bytes for a lenient decoder. */
export function nonCanonical(token: string): string {
  const last = token.at(-1) as string
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const index = alphabet.indexOf(last)
  // RS256 signatures are 342 characters: the last one carries 2 bits of data and 4 unused bits.
  return token.slice(0, -1) + (alphabet[(index & ~0b1111) | (~index & 0b1111)] as string)
}

/** Re-signs the payload with `scope` raised, keeping the original signature. */
export function escalated(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  return `${header}.${b64(JSON.stringify({ ...body, scope: 'read:items admin' }))}.${signature}`
}
