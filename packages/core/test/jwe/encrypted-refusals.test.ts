import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type AuthErrorCode, type VerifierOptions } from '@tokenguard/core'
import { generateKeyPairSync } from 'node:crypto'
import { CompactEncrypt } from 'jose'
import { expectInvalidToken } from '../support/attack.js'
import { AUDIENCE, b64url, claims, ISSUER, makeKey, NOW, sign, type TestKey } from '../support/keys.js'
import {
  encrypt,
  headerOf,
  makeEncryptionKey,
  withHeader,
  withSegment,
  type EncryptionKey,
} from './support.js'

/**
 * Every refusal of an encrypted token. Those an attacker can send for free are refused before any
 * decryption: their codes and reasons differ from a failed decryption (`signature_invalid`), which is how
 * these tests tell the two apart.
 */

const now = () => NOW * 1000
let signer: TestKey
let rsa: EncryptionKey
let ec: EncryptionKey
let jws: string
beforeAll(async () => {
  ;[signer, rsa, ec] = await Promise.all([
    makeKey('ES256'),
    makeEncryptionKey('RSA-OAEP-256'),
    makeEncryptionKey('ECDH-ES', { crv: 'P-256' }),
  ])
  jws = await sign(signer, claims())
})

function verifier(
  decryption: Partial<NonNullable<VerifierOptions['decryption']>> = {},
  extra: Partial<VerifierOptions> = {},
) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: signer.publicJwk,
    decryption: { keys: [rsa.privateJwk, ec.privateJwk], ...decryption },
    now,
    ...extra,
  })
}

async function refused(token: string, code: AuthErrorCode, options?: Parameters<typeof verifier>[0]) {
  return expectInvalidToken(verifier(options).verify(token), code, token)
}

describe('header checks, before any decryption', () => {
  it('refuses zip (decompression bombs)', async () => {
    const token = withHeader(await encrypt(rsa, jws), { ...headerOf(await encrypt(rsa, jws)), zip: 'DEF' })
    expect((await refused(token, 'token_malformed')).claim).toBe('zip')
  })

  it('refuses crit', async () => {
    const token = withHeader(await encrypt(rsa, jws), {
      ...headerOf(await encrypt(rsa, jws)),
      crit: ['exp'],
      exp: 1,
    })
    expect((await refused(token, 'token_malformed')).claim).toBe('crit')
  })

  it.each([
    ['RSA1_5', { alg: 'RSA1_5' }],
    ['PBES2-HS256+A128KW', { alg: 'PBES2-HS256+A128KW', p2s: 'c2FsdHNhbHQ', p2c: 100_000_000 }],
    ['none', { alg: 'none' }],
    ['a number', { alg: 1 }],
  ])('refuses the weak or unlisted key management alg %s', async (_name, change) => {
    const token = await encrypt(rsa, jws)
    await refused(withHeader(token, { ...headerOf(token), ...change }), 'algorithm_not_allowed')
  })

  it('refuses an unlisted enc, and an alg the issuer did not list', async () => {
    const token = await encrypt(rsa, jws, { enc: 'A128CBC-HS256' })
    await refused(token, 'algorithm_not_allowed', { encryptions: ['A256GCM'] })
    const ecdh = await encrypt(ec, jws)
    await refused(ecdh, 'algorithm_not_allowed', { algorithms: ['RSA-OAEP-256'] })
  })

  it('refuses a cty that announces anything but a JWT', async () => {
    const token = await encrypt(rsa, jws, { header: { cty: 'json' } })
    expect((await refused(token, 'token_malformed')).claim).toBe('cty')
  })

  it.each(['JWT', 'jwt', 'at+jwt', 'application/at+jwt', undefined])(
    'accepts cty %s around a signed JWT',
    async (cty) => {
      const token = await encrypt(rsa, jws, { header: { cty } })
      await expect(verifier().verify(token)).resolves.toBeDefined()
    },
  )

  it('refuses a kid that is not a non-empty string', async () => {
    const token = await encrypt(rsa, jws)
    expect((await refused(withHeader(token, { ...headerOf(token), kid: 7 }), 'token_malformed')).claim).toBe(
      'kid',
    )
  })

  it('refuses an invalid-curve ECDH ephemeral key, and a private or missing one', async () => {
    const token = await encrypt(ec, jws)
    const header = headerOf(token) as { epk: Record<string, string> }
    const offCurve = { ...header, epk: { ...header.epk, y: b64url(Buffer.alloc(32, 1)) } }
    expect((await refused(withHeader(token, offCurve), 'token_malformed')).claim).toBe('epk')
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const withPrivate = { ...header, epk: privateKey.export({ format: 'jwk' }) }
    expect((await refused(withHeader(token, withPrivate), 'token_malformed')).claim).toBe('epk')
    expect((await refused(withHeader(token, { ...header, epk: 'x' }), 'token_malformed')).claim).toBe('epk')
  })

  it('refuses an epk on a curve no key has', async () => {
    const token = await encrypt(ec, jws)
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const header = { ...headerOf(token), epk: publicKey.export({ format: 'jwk' }) }
    const error = await refused(withHeader(token, header), 'token_malformed')
    expect(error.reason.message).toMatch(/curve/)
  })

  it('refuses an oversized header', async () => {
    const token = await encrypt(rsa, jws)
    const header = { ...headerOf(token), pad: 'x'.repeat(1600) }
    expect((await refused(withHeader(token, header), 'token_malformed')).claim).toBe('header')
  })

  it('refuses oversized, missized and non-canonical segments', async () => {
    const token = await encrypt(rsa, jws)
    const gcm = await encrypt(ec, jws)
    const cases = [
      withSegment(token, 1, 'A'.repeat(1367)), // encrypted key longer than RSA 8192
      withSegment(token, 1, 'A'.repeat(300)), // not the size of this RSA key's ciphertext (2048 bits: 342)
      withSegment(gcm, 1, 'AAAA'), // ECDH-ES takes no encrypted key
      withSegment(token, 2, 'A'.repeat(22)), // a GCM iv is 12 bytes
      withSegment(token, 4, 'A'.repeat(16)), // a GCM tag is 16 bytes
      withSegment(token, 3, ''), // no ciphertext
      withSegment(token, 3, 'ab=c'), // not base64url
      withSegment(token, 4, `${'A'.repeat(21)}B`), // non-zero unused bits
      `${token.split('.')[0]}.%%%.${token.split('.').slice(2).join('.')}`,
    ]
    for (const bad of cases) await refused(bad, 'token_malformed')
    expect(token.split('.')[1]).toHaveLength(342)
  })

  it('refuses a header that is not a JSON object', async () => {
    const token = await encrypt(rsa, jws)
    await refused(withSegment(token, 0, b64url('[1]')), 'token_malformed')
    await refused(withSegment(token, 0, b64url('{')), 'token_malformed')
  })
})

describe('the kid rule', () => {
  it('refuses a kid no key has, before decrypting, when every key has a kid', async () => {
    const stranger = await makeEncryptionKey('RSA-OAEP-256', { kid: 'unknown' })
    const error = await refused(await encrypt(stranger, jws), 'key_not_found')
    expect(error.reason).toMatchObject({ actual: 'unknown', keySource: 'decryption keys' })
  })

  it('falls back to the keys without kid when no key has the token kid', async () => {
    const kidless = { ...rsa.privateJwk, kid: undefined }
    const named = await makeEncryptionKey('RSA-OAEP-256', { kid: 'named' })
    const v = verifier({ keys: [named.privateJwk, kidless] })
    const token = await encrypt({ ...rsa, kid: 'rotated-away' }, jws)
    await expect(v.verify(token)).resolves.toBeDefined()
  })

  it('never falls back when a key has the kid: the named key must open it', async () => {
    const kidless = { ...rsa.privateJwk, kid: undefined }
    const impostor = await makeEncryptionKey('RSA-OAEP-256', { kid: rsa.kid })
    const v = verifier({ keys: [impostor.privateJwk, kidless] })
    await expectInvalidToken(v.verify(await encrypt(rsa, jws)), 'signature_invalid')
  })

  it('tries every kid-less key during a rollover, and refuses when none opens it', async () => {
    const old = await makeEncryptionKey('RSA-OAEP-256')
    const keys = [
      { ...old.privateJwk, kid: undefined },
      { ...rsa.privateJwk, kid: undefined },
    ]
    await expect(verifier({ keys }).verify(await encrypt(rsa, jws, { noKid: true }))).resolves.toBeDefined()
    const other = await makeEncryptionKey('RSA-OAEP-256')
    const error = await refused(await encrypt(other, jws, { noKid: true }), 'signature_invalid', { keys })
    expect(error.reason.message).toMatch(/any of the 2/)
  })

  it('refuses a kid whose key cannot use the alg', async () => {
    const token = await encrypt({ ...rsa, kid: ec.kid }, jws)
    await refused(token, 'key_not_found')
  })
})

describe('what is inside', () => {
  it('refuses an inner token that is not signed (alg: none)', async () => {
    const unsigned = `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify(claims()))}.`
    await refused(await encrypt(rsa, unsigned), 'token_malformed')
    await refused(await encrypt(rsa, `${unsigned}c2ln`), 'algorithm_not_allowed')
  })

  it('refuses claims encrypted directly, declared as JWT or not', async () => {
    await refused(await encrypt(rsa, JSON.stringify(claims())), 'token_malformed')
    await refused(
      await encrypt(rsa, JSON.stringify(claims()), { header: { cty: undefined } }),
      'token_malformed',
    )
  })

  it('refuses an encrypted token inside an encrypted token', async () => {
    await refused(await encrypt(rsa, await encrypt(rsa, jws)), 'token_malformed')
  })

  it('refuses an inner token whose signature does not verify', async () => {
    const forged = `${jws.slice(0, -4)}AAAA`
    await refused(await encrypt(rsa, forged), 'signature_invalid')
  })

  it('refuses a tampered ciphertext', async () => {
    const token = await encrypt(rsa, jws)
    const [h, k, iv, ct, tag] = token.split('.') as [string, string, string, string, string]
    const flipped = `${ct.startsWith('A') ? 'B' : 'A'}${ct.slice(1)}`
    await refused([h, k, iv, flipped, tag].join('.'), 'signature_invalid')
  })

  it('refuses what jose cannot decrypt (a GCMKW header without its iv) as malformed', async () => {
    const key = await makeEncryptionKey('A256GCMKW')
    const token = await encrypt(key, jws)
    const { iv: _iv, ...header } = headerOf(token)
    const v = verifier({ keys: [key.privateJwk] })
    await expectInvalidToken(v.verify(withHeader(token, header)), 'token_malformed')
  })
})

describe('where decryption is off, or required', () => {
  it('answers an encrypted token with 401 when no decryption is configured, never 500', async () => {
    const plainVerifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: signer.publicJwk, now })
    const error = await expectInvalidToken(plainVerifier.verify(await encrypt(rsa, jws)), 'token_malformed')
    expect(error.reason.message).toMatch(/encrypted JWT.*no issuer has a decryption key/)
  })

  it('refuses a plain signed token where encryption is required', async () => {
    const error = await refused(jws, 'token_malformed', { required: true })
    expect(error.reason.message).toMatch(/requires encryption/)
  })

  it('routes only five-segment tokens to decryption', async () => {
    await refused(`${jws}.x.y`, 'token_malformed')
    await refused('a.b.c.d', 'token_malformed')
    await refused('a.b.c.d.e.f', 'token_malformed')
  })
})

describe('never an encryption the issuer did not ask for', () => {
  it('refuses dir with an asymmetric key setup (no secret key configured)', async () => {
    const secret = await makeEncryptionKey('dir')
    const token = await new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(secret.encryptKey)
    await refused(token, 'algorithm_not_allowed')
  })
})

describe("each issuer's own allowlists and each key's alg", () => {
  it("refuses an enc that only another issuer's key accepts", async () => {
    const B = 'https://b.example.com/'
    const v = createVerifier({
      issuer: [
        {
          issuer: ISSUER,
          keys: signer.publicJwk,
          decryption: { keys: rsa.privateJwk, encryptions: ['A256GCM'] },
        },
        { issuer: B, keys: signer.publicJwk, decryption: { keys: ec.privateJwk, encryptions: ['A128GCM'] } },
      ],
      audience: AUDIENCE,
      now,
    })
    const token = await encrypt(rsa, jws, { enc: 'A128GCM', noKid: true })
    const error = await expectInvalidToken(v.verify(token), 'key_not_found', token)
    expect(error.reason.actual).toBeNull()
  })

  it("honours a JWK's alg: the key opens nothing else", async () => {
    const pinned = { ...rsa.privateJwk, alg: 'RSA-OAEP' }
    // Alone, the pinned key takes RSA-OAEP-256 out of the default list; beside another RSA key, its kid
    // still selects it, and it does not fit.
    await refused(await encrypt(rsa, jws), 'algorithm_not_allowed', { keys: [pinned] })
    const other = await makeEncryptionKey('RSA-OAEP-256')
    await refused(await encrypt(rsa, jws), 'key_not_found', { keys: [pinned, other.privateJwk] })
    const oaep = await makeEncryptionKey('RSA-OAEP')
    const oaepPinned = { ...oaep.privateJwk, alg: 'RSA-OAEP' }
    await expect(verifier({ keys: [oaepPinned] }).verify(await encrypt(oaep, jws))).resolves.toBeDefined()
  })
})

describe('X25519 ephemeral keys of small order', () => {
  it.each([
    ['zero', '00'.repeat(32)],
    ['one', `01${'00'.repeat(31)}`],
    ['of order 8', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
    ['p − 1 with the top bit set', `ec${'ff'.repeat(31)}`],
  ])('refuses an epk u-coordinate %s before any key agreement', async (_name, hex) => {
    const okp = await makeEncryptionKey('ECDH-ES', { crv: 'X25519' })
    const token = await encrypt(okp, jws)
    const header = headerOf(token) as { epk: Record<string, string> }
    const smallOrder = { ...header, epk: { ...header.epk, x: b64url(Buffer.from(hex, 'hex')) } }
    const error = await expectInvalidToken(
      verifier({ keys: [okp.privateJwk] }).verify(withHeader(token, smallOrder)),
      'token_malformed',
    )
    expect(error.claim).toBe('epk')
    expect(error.reason.message).toMatch(/small order/)
  })
})
