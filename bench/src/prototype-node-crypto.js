import { Buffer } from 'node:buffer'
import {
  constants,
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
  verify as cryptoVerify,
} from 'node:crypto'
import { UnsecuredJWT } from 'jose'
import { checkClaims, checkTokenType } from '../../packages/core/dist/claims.js'
import { deepFreeze } from '../../packages/core/dist/deep-freeze.js'
import { parseCompactToken } from '../../packages/core/dist/token-syntax.js'

/**
 * A MEASUREMENT PROTOTYPE, not part of tokenguard: the core's cold path with the signature checked by
 * node:crypto (a pre-imported KeyObject, synchronous) instead of jose's WebCrypto, to size what such a
 * route would gain. It keeps the core's strict syntax pre-check, alg allowlist, `typ` rule and extra claim
 * checks, and reuses jose's own claim validation (through `UnsecuredJWT.decode` on the same claims
 * segment). It has not been through the security suite or the Wycheproof vectors, so the core must not
 * adopt it as is.
 */

const NONE_HEADER = Buffer.from('{"alg":"none"}').toString('base64url')

function signatureCheck(fixture) {
  const { alg } = fixture
  if (alg === 'HS256') {
    const key = createSecretKey(Buffer.from(fixture.secret, 'base64url'))
    return (data, signature) => {
      const mac = createHmac('sha256', key).update(data).digest()
      return signature.length === mac.length && timingSafeEqual(signature, mac)
    }
  }
  const publicKey = createPublicKey(fixture.publicPem)
  switch (alg) {
    case 'RS256':
      return (data, signature) => cryptoVerify('sha256', data, publicKey, signature)
    case 'PS256': {
      const key = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      return (data, signature) => cryptoVerify('sha256', data, key, signature)
    }
    case 'ES256': {
      const key = { key: publicKey, dsaEncoding: 'ieee-p1363' }
      // P-256 signatures are exactly 64 bytes in JOSE (RFC 7518 §3.4).
      return (data, signature) => signature.length === 64 && cryptoVerify('sha256', data, key, signature)
    }
    case 'EdDSA':
      return (data, signature) => cryptoVerify(null, data, publicKey, signature)
    default:
      throw new Error(`no prototype for ${alg}`)
  }
}

/** `{ verify(token) }` with the core's checks around a node:crypto signature check. */
export function createPrototypeVerifier(fixture, { issuer, audience }) {
  const check = signatureCheck(fixture)
  const policy = { clockTolerance: 5, accessTokenOnly: false }
  return {
    sync: true,
    verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw new Error('malformed')
      const { header } = parseCompactToken(token)
      if (header.alg !== fixture.alg) throw new Error('algorithm not allowed')
      checkTokenType(header.typ, false)
      const first = token.indexOf('.')
      const last = token.lastIndexOf('.')
      const signature = Buffer.from(token.slice(last + 1), 'base64url')
      if (!check(Buffer.from(token.slice(0, last)), signature)) throw new Error('signature invalid')
      const nowMs = Date.now()
      const { payload } = UnsecuredJWT.decode(`${NONE_HEADER}.${token.slice(first + 1, last)}.`, {
        issuer,
        audience,
        clockTolerance: 5,
        requiredClaims: ['exp'],
        currentDate: new Date(nowMs),
      })
      checkClaims(payload, nowMs / 1000, policy)
      return deepFreeze({ payload, header, token })
    },
  }
}
