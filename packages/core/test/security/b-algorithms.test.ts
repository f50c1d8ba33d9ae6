import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier } from '@tokenguard/core'
import { createHmac, createPublicKey, type KeyObject } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'
import { attackFixture, expectInvalidToken, signJson, type AttackFixture } from '../support/attack.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { AUDIENCE, b64url, claims, ISSUER, makeKey, NOW, sign } from '../support/keys.js'
import { rawSign } from '../support/raw-sign.js'

/** Catalog section B: algorithm handling (items 14–24; 25–26 are the Wycheproof RSA groups). */

let f: AttackFixture
let server: JwksServer
let rsaPublic: KeyObject
beforeAll(async () => {
  f = await attackFixture()
  server = await startJwksServer([f.rsa.publicJwk, f.ec.publicJwk])
  rsaPublic = createPublicKey({ key: f.rsa.publicJwk as never, format: 'jwk' })
})
afterAll(() => server.close())

const at = { issuer: ISSUER, audience: AUDIENCE, now: () => NOW * 1000 }
/** The ways a verifier can be set up with asymmetric keys: the HS/none attacks must fail on each. */
const setups = () => ({
  'static JWK Set': f.verifier(),
  'static SPKI PEM': createVerifier({
    ...at,
    keys: rsaPublic.export({ type: 'spki', format: 'pem' }) as string,
  }),
  'static PKCS#1 PEM': createVerifier({
    ...at,
    keys: rsaPublic.export({ type: 'pkcs1', format: 'pem' }) as string,
  }),
  'static KeyObject': createVerifier({ ...at, keys: rsaPublic }),
  'remote JWK Set': createVerifier({ ...at, jwksUri: server.jwksUri }),
  'explicit algorithms': f.verifier({ algorithms: ['RS256', 'ES256'] }),
})
const mac = (alg: string, key: Uint8Array | string, header: object, payload: object) => {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const hash = `sha${alg.slice(2)}`
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`
}

describe('B14 alg "none" in every spelling', () => {
  const spellings = ['none', 'None', 'NONE', 'nOnE']
  it.each(spellings)(
    '%s, with and without kid, empty and garbage signature → 401 on every setup',
    async (alg) => {
      for (const [, verifier] of Object.entries(setups())) {
        for (const header of [{ alg }, { alg, kid: f.rsa.kid }]) {
          const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims({ admin: true })))}`
          await expectInvalidToken(verifier.verify(`${unsigned}.`), [
            'token_malformed',
            'algorithm_not_allowed',
          ])
          await expectInvalidToken(verifier.verify(`${unsigned}.Z2FyYmFnZQ`), 'algorithm_not_allowed')
        }
      }
    },
  )
  it('also against an HMAC verifier, and "none" can never be configured', async () => {
    const hmac = createVerifier({ ...at, secret: Buffer.alloc(32, 1) })
    const unsigned = `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify(claims()))}`
    await expectInvalidToken(hmac.verify(`${unsigned}.`), ['token_malformed', 'algorithm_not_allowed'])
    expect(() => createVerifier({ ...at, keys: f.rsa.publicJwk, algorithms: ['none' as never] })).toThrow(
      ConfigError,
    )
  })
})

describe('B15–B16 stripped, tampered and swapped signatures', () => {
  it('signature removed (h.p. and h.p) → 401', async () => {
    const [h, p] = (await sign(f.rsa, claims())).split('.')
    await expectInvalidToken(f.verifier().verify(`${h}.${p}.`), 'token_malformed')
    await expectInvalidToken(f.verifier().verify(`${h}.${p}`), 'token_malformed')
  })
  it('one character flipped anywhere, truncated, or payload swapped → 401; claims never reach validate', async () => {
    let reached = 0
    const verifier = f.verifier({ validate: () => ++reached > 0 })
    const token = await sign(f.rsa, claims({ sub: 'user-1' }))
    const other = await sign(f.rsa, claims({ sub: 'admin' }))
    const [h, p, s] = token.split('.') as [string, string, string]
    const flip = (text: string, i: number) =>
      `${text.slice(0, i)}${text[i] === 'A' ? 'B' : 'A'}${text.slice(i + 1)}`
    const variants = [
      `${flip(h, 5)}.${p}.${s}`,
      `${h}.${flip(p, 20)}.${s}`,
      `${h}.${p}.${flip(s, 0)}`,
      `${h}.${p}.${flip(s, 100)}`,
      `${h}.${p}.${s.slice(0, -4)}`,
      `${h}.${other.split('.')[1]}.${s}`,
    ]
    for (const variant of variants) await expectInvalidToken(verifier.verify(variant), undefined, variant)
    expect(reached).toBe(0)
  })
})

describe('B17 missing or non-string alg', () => {
  it.each([{}, { alg: '' }, { alg: 123 }, { alg: ['RS256'] }, { alg: null }])('%j → 401', async (extra) => {
    const header = { kid: f.rsa.kid, ...extra }
    const token = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims()))}.c2ln`
    await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
  })
})

describe('B18 alg outside the allowlist', () => {
  it.each(['HS256', 'HS384', 'HS512'])('%s (validly MACed) against asymmetric keys → 401', async (alg) => {
    const token = mac(alg, Buffer.alloc(64, 3), { alg, kid: f.rsa.kid }, claims())
    for (const verifier of Object.values(setups()))
      await expectInvalidToken(verifier.verify(token), 'algorithm_not_allowed')
  })
  it('PS256 signed by the RS256-only key; EdDSA, ES256K, case and space variants → 401', async () => {
    const verifier = f.verifier({ algorithms: ['RS256'] })
    const jwk = await exportJWK(f.rsa.privateKey)
    const ps = rawSign('PS256', jwk, { alg: 'PS256', kid: f.rsa.kid }, claims())
    await expectInvalidToken(verifier.verify(ps), 'algorithm_not_allowed')
    for (const alg of ['EdDSA', 'ES256K', 'rs256', 'Rs256', 'RS256 ', 'RSA256']) {
      const token = await signJson(f.rsa, { alg, kid: f.rsa.kid }, claims())
      await expectInvalidToken(verifier.verify(token), 'algorithm_not_allowed')
    }
  })
  it('HS algorithms cannot be configured without a secret, nor mixed with asymmetric ones', () => {
    expect(() => createVerifier({ ...at, keys: f.rsa.publicJwk, algorithms: ['HS256'] })).toThrow(ConfigError)
    expect(() => createVerifier({ ...at, secret: Buffer.alloc(32), algorithms: ['RS256'] as never })).toThrow(
      ConfigError,
    )
    expect(() => createVerifier({ ...at, keys: f.rsa.publicJwk, secret: Buffer.alloc(32) })).toThrow(
      ConfigError,
    )
  })
})

describe('B19 HS/RS key confusion: the public key as an HMAC secret', () => {
  const materials = (): [string, string | Buffer][] => {
    const spki = rsaPublic.export({ type: 'spki', format: 'pem' }) as string
    const pkcs1 = rsaPublic.export({ type: 'pkcs1', format: 'pem' }) as string
    const der = rsaPublic.export({ type: 'spki', format: 'der' })
    // Certificate-shaped PEM: the attacker MACs with whatever text the server holds.
    const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`
    const jwk = JSON.stringify(f.rsa.publicJwk)
    return [
      ['SPKI PEM', spki],
      ['SPKI PEM without trailing newline', spki.trimEnd()],
      ['PKCS#1 PEM', pkcs1],
      ['certificate PEM', cert],
      ...['  ', '\n', '\t', '\ufeff', '\u200b', '#comment\n', '\x00'].map((prefix): [string, string] => [
        `SPKI PEM prefixed by ${JSON.stringify(prefix)}`,
        `${prefix}${spki}`,
      ]),
      ['public JWK JSON', jwk],
      ['JWK Set JSON', JSON.stringify({ keys: [f.rsa.publicJwk, f.ec.publicJwk] })],
      ['raw modulus bytes', Buffer.from(f.rsa.publicJwk.n!, 'base64url')],
      ['empty string', ''],
    ]
  }
  it('every variant, HS256 with the real kid → 401 on every asymmetric setup', async () => {
    for (const [, key] of materials()) {
      const token = mac('HS256', key, { alg: 'HS256', kid: f.rsa.kid }, claims({ admin: true }))
      for (const verifier of Object.values(setups()))
        await expectInvalidToken(verifier.verify(token), 'algorithm_not_allowed')
    }
  })
  it('a PEM or JWK given as "secret" is refused at start-up (misconfiguration guard)', () => {
    for (const [name, key] of materials()) {
      if (name === 'raw modulus bytes' || name === 'empty string') continue
      expect(() => createVerifier({ ...at, secret: key })).toThrow(ConfigError)
      expect(() => createVerifier({ ...at, secret: Buffer.from(key) })).toThrow(ConfigError)
    }
  })
})

describe('B20–B21 key ↔ algorithm binding', () => {
  it('a JWK labelled RS256 does not verify PS256 or RS512 tokens signed by its private key', async () => {
    const jwk = await exportJWK(f.rsa.privateKey)
    for (const alg of ['PS256', 'RS512']) {
      const token = rawSign(alg, jwk, { alg, kid: f.rsa.kid }, claims())
      await expectInvalidToken(f.verifier().verify(token), 'key_not_found')
    }
  })
  it('an EC P-384 key does not verify an ES256 header', async () => {
    const p384 = await makeKey('ES384')
    const token = await signJson(p384, { alg: 'ES256', kid: p384.kid }, claims())
    await expectInvalidToken(f.verifier({ keys: p384.publicJwk }).verify(token), [
      'key_not_found',
      'signature_invalid',
    ])
  })
  it('a JWK without alg: any allowlisted alg of its family, never one outside the allowlist, never HS', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const pub = { ...(await exportJWK(publicKey)), kid: 'no-alg' }
    const priv = await exportJWK(privateKey)
    const open = f.verifier({ keys: pub })
    const narrow = f.verifier({ keys: pub, algorithms: ['RS256'] })
    for (const alg of ['RS256', 'RS512', 'PS256']) {
      const token = rawSign(alg, priv, { alg, kid: 'no-alg' }, claims())
      await expect(open.verify(token)).resolves.toBeDefined()
      if (alg !== 'RS256') await expectInvalidToken(narrow.verify(token), 'algorithm_not_allowed')
    }
    const hs = mac('HS256', JSON.stringify(pub), { alg: 'HS256', kid: 'no-alg' }, claims())
    await expectInvalidToken(open.verify(hs), 'algorithm_not_allowed')
  })
})

describe('B22 weak HMAC secrets are refused at start-up', () => {
  it.each(['', 'secret', 'Hello, World!', 'your-256-bit-secret', 'password123', 'a'.repeat(31)])(
    '%j',
    (secret) => {
      expect(() => createVerifier({ ...at, secret })).toThrow(ConfigError)
    },
  )
  it('a 32-byte secret allows HS256 only; HS512 needs 64 bytes', async () => {
    const secret = Buffer.alloc(32, 9)
    expect(() => createVerifier({ ...at, secret, algorithms: ['HS512'] })).toThrow(ConfigError)
    const token = mac('HS512', secret, { alg: 'HS512' }, claims())
    await expectInvalidToken(createVerifier({ ...at, secret }).verify(token), 'algorithm_not_allowed')
  })
})

describe('B23–B24 ECDSA special values and encodings', () => {
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')
  const minus1 = Buffer.from(n)
  minus1[31] = minus1[31]! - 1
  const values = {
    '0': Buffer.alloc(32),
    '1': Buffer.concat([Buffer.alloc(31), Buffer.from([1])]),
    'n-1': minus1,
    n,
  }
  it('every r, s ∈ {0, 1, n−1, n} (psychic signatures) → 401', async () => {
    const [h, p] = (await sign(f.ec, claims())).split('.')
    for (const r of Object.values(values))
      for (const s of Object.values(values)) {
        const token = `${h}.${p}.${Buffer.concat([r, s]).toString('base64url')}`
        await expectInvalidToken(f.verifier().verify(token), 'signature_invalid')
      }
  })
  it('DER encoding, 63/65 bytes, trailing or leading zero, 2 KB of zeros → 401', async () => {
    const token = await sign(f.ec, claims())
    const [h, p, s] = token.split('.') as [string, string, string]
    const raw = Buffer.from(s, 'base64url')
    const der = Buffer.concat([
      Buffer.from([0x30, 0x44, 0x02, 0x20]),
      raw.subarray(0, 32),
      Buffer.from([0x02, 0x20]),
      raw.subarray(32),
    ])
    const bad = [
      der,
      raw.subarray(1),
      Buffer.concat([raw, Buffer.from([0])]),
      Buffer.concat([Buffer.from([0]), raw]),
      Buffer.alloc(2048),
    ]
    for (const sig of bad)
      await expectInvalidToken(f.verifier().verify(`${h}.${p}.${sig.toString('base64url')}`), [
        'signature_invalid',
        'token_malformed',
      ])
    await expect(f.verifier().verify(token)).resolves.toBeDefined()
  })
})
