import { compactDecrypt, errors } from 'jose'
import { errorText } from '../diagnostics.js'
import { AuthError, explain } from '../errors.js'
import { safeText, safeValue, show } from '../reason.js'
import type { TrustedIssuer } from '../resolve-options.js'
import { checkSegment, decodeSegment, isJsonObject } from '../token-syntax.js'
import type { DecryptionKeyring, KeyringEntry } from './decryption-keys.js'
import { CONTENT_KEY_BYTES, type DecryptionKey } from './decryption-options.js'
import { checkEphemeralKey } from './ephemeral-key.js'

/**
 * Opens an encrypted token (compact JWE, RFC 7516 §7.1) and returns the signed JWT inside, still to be
 * verified. jose decrypts; everything an attacker can vary for free is checked first — the shape and size
 * of every segment, the header (`alg`, `enc`, `zip`, `crit`, `cty`, `kid`, `epk`) and the `kid` rule — so
 * that a token which cannot be opened costs no private-key operation.
 */

/** How a token was protected, as the auth object reports it. */
export interface EncryptionInfo {
  readonly alg: string
  readonly enc: string
  readonly kid?: string
}

/** A decrypted token: the compact JWS inside, and the issuers whose key opened it. */
export interface OpenedToken {
  readonly jws: string
  readonly owners: readonly TrustedIssuer[]
  readonly encryption: EncryptionInfo
}

/** Longest protected header, in base64url characters: real ones (even with a P-521 `epk`) are < 600. */
export const MAX_HEADER_CHARS = 2048
/** Longest encrypted key: an RSA-OAEP key of 8 192 bits (1 024 bytes). */
const MAX_ENCRYPTED_KEY_CHARS = 1366

/** `cty` values that announce a signed JWT inside (compared in lower case). */
const NESTED_CONTENT_TYPES: ReadonlySet<string> = new Set(['jwt', 'at+jwt', 'application/at+jwt'])

/** base64url characters of `bytes` bytes, unpadded. */
const chars = (bytes: number) => Math.ceil((bytes * 4) / 3)

/** Exact sizes, in bytes, of the initialization vector and tag of each content encryption (RFC 7518 §5). */
function ivAndTagBytes(enc: string): [iv: number, tag: number] {
  if (enc.endsWith('GCM')) return [12, 16]
  // AES-CBC-HMAC: the tag is the MAC truncated to the MAC key, half the content key (RFC 7518 §5.2.2.1).
  return [16, (CONTENT_KEY_BYTES[enc] as number) / 2]
}

/** Bytes the encrypted key must have for `alg` with `key` (0: empty, as for `dir` and `ECDH-ES`). */
function encryptedKeyBytes(alg: string, enc: string, key: DecryptionKey): number {
  const cek = CONTENT_KEY_BYTES[enc] as number
  if (alg.startsWith('RSA-OAEP')) return key.bytes
  if (alg === 'dir' || alg === 'ECDH-ES') return 0
  // AES key wrap adds an 8-byte integrity block (RFC 3394); AES-GCM key wrap keeps the size.
  return alg.endsWith('GCMKW') ? cek : cek + 8
}

function malformed(message: string, claim?: string): AuthError {
  return new AuthError('token_malformed', { ...(claim === undefined ? {} : { claim }), reason: { message } })
}

function notAllowed(what: 'alg' | 'enc', value: unknown, accepted: ReadonlySet<string>): AuthError {
  return new AuthError('algorithm_not_allowed', {
    reason: {
      message: `${what} ${show(value)} of the encrypted token is not one of the accepted ${JSON.stringify([...accepted])}`,
      expected: [...accepted],
      actual: safeValue(value),
    },
  })
}

interface JweHeader {
  alg: string
  enc: string
  kid: string | undefined
  crv: string | undefined
}

/** Segment sizes and header rules that need no key; `segments` as split from the token. */
function checkHeader(segments: string[], keyring: DecryptionKeyring): JweHeader {
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = segments as [
    string,
    string,
    string,
    string,
    string,
  ]
  if (protectedHeader.length > MAX_HEADER_CHARS)
    throw malformed(`the JWE header is longer than ${MAX_HEADER_CHARS} characters`, 'header')
  if (encryptedKey.length > MAX_ENCRYPTED_KEY_CHARS)
    throw malformed(`the JWE encrypted key is longer than ${MAX_ENCRYPTED_KEY_CHARS} characters`)
  if (ciphertext === '') throw malformed('the JWE ciphertext is empty')
  for (const segment of [encryptedKey, iv, ciphertext, tag]) if (segment !== '') checkSegment(segment)
  const header = decodeSegment(protectedHeader, 'header')
  if (!isJsonObject(header)) throw malformed('the JWE header is not a JSON object', 'header')
  const { alg, enc, kid } = header
  if (header.zip !== undefined) throw malformed('the JWE header carries zip, which is refused', 'zip')
  if (header.crit !== undefined) throw malformed('the JWE header carries crit, which is refused', 'crit')
  if (typeof alg !== 'string' || !keyring.algorithms.has(alg))
    throw notAllowed('alg', alg, keyring.algorithms)
  if (typeof enc !== 'string' || !keyring.encryptions.has(enc))
    throw notAllowed('enc', enc, keyring.encryptions)
  // RFC 7519 §5.2 says `JWT`; oidc-provider says what the token inside is (`at+jwt`). Either way the
  // plaintext must then parse as a signed JWT: that check, not `cty`, is what refuses bare claims.
  if (
    header.cty !== undefined &&
    !(typeof header.cty === 'string' && NESTED_CONTENT_TYPES.has(header.cty.toLowerCase()))
  )
    throw malformed('the encrypted token declares content that is not a JWT (cty)', 'cty')
  if (kid !== undefined && (typeof kid !== 'string' || kid === ''))
    throw malformed('the JWE header has a kid that is not a non-empty string', 'kid')
  const [ivBytes, tagBytes] = ivAndTagBytes(enc)
  if (iv.length !== chars(ivBytes) || tag.length !== chars(tagBytes))
    throw malformed(`the JWE iv or tag does not have the size ${enc} requires`)
  const crv = alg.startsWith('ECDH-ES') ? checkEphemeralKey(header.epk) : undefined
  return { alg, enc, kid, crv }
}

/** The keys worth a decryption: the `kid` rule, then the curve and the exact encrypted-key size. */
function keysToTry(header: JweHeader, encryptedKey: string, keyring: DecryptionKeyring): KeyringEntry[] {
  const { alg, enc, kid, crv } = header
  const fitting = keyring
    .candidates(alg, enc, kid)
    .filter(
      ({ key }) =>
        (crv === undefined || key.crv === crv) &&
        chars(encryptedKeyBytes(alg, enc, key)) === encryptedKey.length,
    )
  if (fitting.length === 0)
    throw malformed(
      `no decryption key fits the token's ${crv === undefined ? '' : `epk curve ${show(crv)} and `}encrypted key of ${encryptedKey.length} characters`,
    )
  return fitting
}

async function decryptWith(
  token: string,
  entries: readonly KeyringEntry[],
  header: JweHeader,
): Promise<{ plaintext: Uint8Array; entry: KeyringEntry }> {
  const options = {
    keyManagementAlgorithms: [header.alg],
    contentEncryptionAlgorithms: [header.enc],
    // zip is refused above; 0 makes jose refuse it too, should the check above ever be bypassed.
    maxDecompressedLength: 0,
  }
  for (const entry of entries) {
    try {
      const { plaintext } = await compactDecrypt(token, entry.key.key, options)
      return { plaintext, entry }
    } catch (error) {
      if (error instanceof errors.JWEDecryptionFailed) continue
      throw new AuthError('token_malformed', {
        cause: error,
        reason: { message: `the encrypted token could not be decrypted: ${errorText(error)}` },
      })
    }
  }
  throw new AuthError('signature_invalid', {
    reason: {
      message: `the encrypted token does not decrypt with ${entries.length === 1 ? 'the' : `any of the ${entries.length}`} fitting decryption key${entries.length === 1 ? '' : 's'}`,
      keySource: 'decryption keys',
    },
  })
}

/**
 * Decrypts a compact JWE (five segments) and returns the compact JWS inside, not yet verified.
 * @throws AuthError `token_malformed`, `algorithm_not_allowed`, `key_not_found` or `signature_invalid`
 * (the token does not decrypt: its authentication tag fails, or it was made for another key).
 */
export async function openEncryptedToken(token: string, keyring: DecryptionKeyring): Promise<OpenedToken> {
  const segments = token.split('.')
  let header: JweHeader | undefined
  try {
    header = checkHeader(segments, keyring)
    const entries = keysToTry(header, segments[1] as string, keyring)
    const { plaintext, entry } = await decryptWith(token, entries, header)
    // A compact JWS is ASCII; anything else is refused by its syntax check, so latin1 loses nothing.
    const jws = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString('latin1')
    const encryption: EncryptionInfo = {
      alg: header.alg,
      enc: header.enc,
      ...(header.kid === undefined ? {} : { kid: header.kid }),
    }
    return { jws, owners: entry.owners, encryption }
  } catch (error) {
    if (!(error instanceof AuthError) || header === undefined) throw error
    throw explain(error, {
      alg: safeText(header.alg),
      ...(header.kid === undefined ? {} : { kid: safeText(header.kid) }),
    })
  }
}
