import { CompactEncrypt, exportJWK, generateKeyPair, generateSecret, type CryptoKey, type JWK } from 'jose'
import { b64url } from '../support/keys.js'

/** A decryption key pair made at run time: the API's private JWK and the issuer's encryption key. */
export interface EncryptionKey {
  alg: string
  kid: string
  /** What the API configures: a private (or secret) JWK with its kid. */
  privateJwk: JWK
  /** What the issuer encrypts with. */
  encryptKey: CryptoKey | Uint8Array
}

let counter = 0

export async function makeEncryptionKey(
  alg = 'RSA-OAEP-256',
  options: { kid?: string; crv?: string; modulusLength?: number } = {},
): Promise<EncryptionKey> {
  const kid = options.kid ?? `enc-${alg.toLowerCase()}-${++counter}`
  if (alg === 'dir' || /^A\d{3}(GCM)?KW$/.test(alg)) {
    const secret = (await generateSecret(alg === 'dir' ? 'A256GCM' : alg, { extractable: true })) as CryptoKey
    const privateJwk = { ...(await exportJWK(secret)), kid }
    return { alg, kid, privateJwk, encryptKey: secret }
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(options.crv ? { crv: options.crv } : {}),
    ...(options.modulusLength ? { modulusLength: options.modulusLength } : {}),
  })
  const privateJwk = { ...(await exportJWK(privateKey)), kid }
  return { alg, kid, privateJwk, encryptKey: publicKey }
}

export interface EncryptOptions {
  enc?: string
  /** Header parameters added or overriding (`cty: undefined` drops it). */
  header?: Record<string, unknown>
  noKid?: boolean
}

/** Encrypts `plaintext` (usually a signed JWT) to `key` as a compact JWE with `cty: JWT`. */
export async function encrypt(
  key: EncryptionKey,
  plaintext: string,
  options: EncryptOptions = {},
): Promise<string> {
  const header = {
    alg: key.alg,
    enc: options.enc ?? 'A256GCM',
    cty: 'JWT',
    ...(options.noKid ? {} : { kid: key.kid }),
    ...options.header,
  }
  for (const [name, value] of Object.entries(header))
    if (value === undefined) delete (header as Record<string, unknown>)[name]
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader(header as { alg: string; enc: string })
    .encrypt(key.encryptKey)
}

/** The token with its protected header replaced (the tag no longer matches: only pre-checks can refuse it first). */
export function withHeader(jwe: string, header: Record<string, unknown>): string {
  const [, ...rest] = jwe.split('.')
  return [b64url(JSON.stringify(header)), ...rest].join('.')
}

/** The token with segment `index` (0 header … 4 tag) replaced. */
export function withSegment(jwe: string, index: number, value: string): string {
  const segments = jwe.split('.')
  segments[index] = value
  return segments.join('.')
}

/** The decoded protected header of a compact JWE. */
export function headerOf(jwe: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwe.split('.')[0] as string, 'base64url').toString()) as Record<
    string,
    unknown
  >
}
