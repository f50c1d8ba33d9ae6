import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createSigner } from 'fast-jwt'
import jsonwebtoken from 'jsonwebtoken'
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { expectInvalidToken } from '../support/attack.js'
import { AUDIENCE, ISSUER, NOW } from '../support/keys.js'

/**
 * Tokens minted by other JWT libraries (jsonwebtoken, fast-jwt) with shared keys verify, so the verifier
 * does not only agree with the jose signer it is built on.
 */

interface Pair {
  publicKey: KeyObject
  privatePem: string
}
let rsa: Pair
let ec: Pair
const secret = randomBytes(32)
const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', scope: 'read', iat: NOW - 10, exp: NOW + 600 }

function pair(type: 'rsa' | 'ec'): Pair {
  const { publicKey, privateKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }
}
beforeAll(() => {
  rsa = pair('rsa')
  ec = pair('ec')
})

const at = { issuer: ISSUER, audience: AUDIENCE, now: () => NOW * 1000 }
const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string

describe.each([
  [
    'jsonwebtoken',
    (alg: string, key: string | Buffer, kid?: string) =>
      jsonwebtoken.sign(payload, key, {
        algorithm: alg as jsonwebtoken.Algorithm,
        ...(kid ? { keyid: kid } : {}),
      }),
  ],
  [
    'fast-jwt',
    (alg: string, key: string | Buffer, kid?: string) =>
      createSigner({ key, algorithm: alg as 'RS256', ...(kid ? { kid } : {}) })(payload) as string,
  ],
])('%s', (_library, signWith) => {
  it('RS256 with a shared PEM key verifies; as JWK with kid too', async () => {
    await expect(
      createVerifier({ ...at, keys: spki(rsa.publicKey) }).verify(signWith('RS256', rsa.privatePem)),
    ).resolves.toMatchObject({
      payload: { sub: 'user-1', scope: 'read' },
    })
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256' }
    await expect(
      createVerifier({ ...at, keys: jwk }).verify(signWith('RS256', rsa.privatePem, 'rsa-1')),
    ).resolves.toBeDefined()
  })
  it('ES256 with a shared key verifies', async () => {
    const token = signWith('ES256', ec.privatePem)
    await expect(createVerifier({ ...at, keys: ec.publicKey }).verify(token)).resolves.toBeDefined()
  })
  it('HS256 with a shared 32-byte secret verifies; another secret is refused', async () => {
    const token = signWith('HS256', secret)
    await expect(createVerifier({ ...at, secret }).verify(token)).resolves.toBeDefined()
    await expectInvalidToken(
      createVerifier({ ...at, secret: randomBytes(32) }).verify(token),
      'signature_invalid',
    )
  })
  it('their HS256 token MACed with our public key is refused (key confusion across libraries)', async () => {
    const token = signWith('HS256', Buffer.from(spki(rsa.publicKey)))
    await expectInvalidToken(
      createVerifier({ ...at, keys: spki(rsa.publicKey) }).verify(token),
      'algorithm_not_allowed',
    )
  })
})
