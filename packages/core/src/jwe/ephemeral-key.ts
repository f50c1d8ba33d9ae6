import { createPublicKey } from 'node:crypto'
import { AuthError } from '../errors.js'
import { isJsonObject } from '../token-syntax.js'

/**
 * The ephemeral public key (`epk`) of an ECDH-ES header is the attacker's: a point off the curve, or of
 * small order, would make the key agreement leak bits of the API's private key or yield a predictable
 * secret (invalid-curve attacks, RFC 8725 §3.4). It is checked before any key agreement.
 */

/**
 * X25519 u-coordinates of small order (and their non-canonical spellings mod p), with the top bit cleared
 * as RFC 7748 §5 has every implementation do: a shared secret computed with any of them is fixed.
 */
const SMALL_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]

function malformed(message: string): AuthError {
  return new AuthError('token_malformed', { claim: 'epk', reason: { message } })
}

function isSmallOrder(x: unknown): boolean {
  const u = Buffer.from(x as string, 'base64url')
  u[31] = (u[31] as number) & 0x7f
  return SMALL_ORDER_X25519.includes(u.toString('hex'))
}

/**
 * Checks an ECDH-ES header's `epk` and returns its curve: a public key, on its curve (importing it checks
 * that, at the cost of a public-key parse), and for X25519 not of small order.
 * @throws AuthError `token_malformed` (claim `epk`)
 */
export function checkEphemeralKey(epk: unknown): string {
  if (!isJsonObject(epk) || typeof epk.crv !== 'string') throw malformed('the header has no valid epk')
  if (epk.d !== undefined) throw malformed('the epk holds a private key')
  try {
    createPublicKey({ key: epk as never, format: 'jwk' })
  } catch {
    throw malformed('the epk is not a public key on its curve')
  }
  if (epk.crv === 'X25519' && isSmallOrder(epk.x))
    throw malformed('the epk is an X25519 point of small order')
  return epk.crv
}
