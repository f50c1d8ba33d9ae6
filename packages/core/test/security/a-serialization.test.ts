import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createHmac } from 'node:crypto'
import {
  attackFixture,
  expectInvalidToken,
  signJson,
  signParts,
  type AttackFixture,
} from '../support/attack.js'
import { AUDIENCE, b64url, claims, ISSUER, NOW, sign } from '../support/keys.js'

/** Catalog section A: serialization, encoding, JSON (items 1–13). */

let f: AttackFixture
let valid: string
let parts: [string, string, string]
beforeAll(async () => {
  f = await attackFixture()
  valid = await sign(f.rsa, claims())
  parts = valid.split('.') as [string, string, string]
})
const h = () => parts[0]
const p = () => parts[1]
const s = () => parts[2]

describe('A1 wrong number of segments', () => {
  it.each([
    ['1 part', () => h()],
    ['2 parts', () => `${h()}.${p()}`],
    ['4 parts', () => `${valid}.${s()}`],
    ['5 parts (JWE-shaped, also A13)', () => `${h()}.${p()}.${s()}.${s()}.${s()}`],
    ['empty string', () => ''],
  ])('%s → 401 token_malformed', async (_name, build) => {
    await expectInvalidToken(f.verifier().verify(build()), 'token_malformed')
  })
})

describe('A2 empty segments', () => {
  it.each([
    ['.p.s', () => `.${p()}.${s()}`],
    ['h..s', () => `${h()}..${s()}`],
    ['h.p.', () => `${h()}.${p()}.`],
    ['.p.', () => `.${p()}.`],
  ])('%s → 401', async (_name, build) => {
    await expectInvalidToken(f.verifier().verify(build()), 'token_malformed')
  })
})

describe('A3 characters outside the base64url alphabet (jose accepts some: we do not)', () => {
  const inserts = ['+', '/', '=', '==', ' ', '\t', '\r', '\n', '\r\n', '\0', '?', '#', '!', '.', '%20']
  it.each(inserts.map((c) => [JSON.stringify(c), c]))('%s inside each segment → 401', async (_n, c) => {
    for (const segment of [0, 1, 2]) {
      const mutated = parts.map((part, i) =>
        i === segment ? `${part.slice(0, 10)}${c}${part.slice(10)}` : part,
      )
      await expectInvalidToken(f.verifier().verify(mutated.join('.')), ['token_malformed'])
    }
  })
  it.each([
    ['signature + "=="', () => `${valid}==`],
    ['signature + "="', () => `${valid}=`],
    ['leading space', () => ` ${valid}`],
    ['trailing newline', () => `${valid}\n`],
    ['standard base64 signature', () => `${h()}.${p()}.${Buffer.from(s(), 'base64url').toString('base64')}`],
  ])('%s → 401', async (_name, build) => {
    await expectInvalidToken(f.verifier().verify(build()), 'token_malformed')
  })
})

describe('A4 non-canonical base64url (non-zero unused bits)', () => {
  it('a payload whose last character differs only in unused bits, MAC over the raw text → 401', async () => {
    const secret = Buffer.alloc(32, 7)
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret, now: () => NOW * 1000 })
    // Find a payload encoding with unused bits, then set one of them.
    let payload = b64url(JSON.stringify(claims()))
    for (let pad = 0; payload.length % 4 === 0; pad++) payload = b64url(JSON.stringify(claims({ pad })))
    const header = b64url('{"alg":"HS256"}')
    const mac = (text: string) => createHmac('sha256', secret).update(text).digest('base64url')
    const canonical = `${header}.${payload}`
    await expect(verifier.verify(`${canonical}.${mac(canonical)}`)).resolves.toBeDefined()
    const last = payload.at(-1)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const bumped = `${payload.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`
    expect(Buffer.from(bumped, 'base64url')).toEqual(Buffer.from(payload, 'base64url'))
    const forged = `${header}.${bumped}`
    await expectInvalidToken(verifier.verify(`${forged}.${mac(forged)}`), 'token_malformed')
  })

  it('a signature re-spelled with non-zero unused bits (same bytes, jose accepts) → 401', async () => {
    const sig = s()
    expect(sig.length % 4).not.toBe(0)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const respelled = `${sig.slice(0, -1)}${alphabet[alphabet.indexOf(sig.at(-1)!) + 1]}`
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(sig, 'base64url'))
    await expectInvalidToken(f.verifier().verify(`${h()}.${p()}.${respelled}`), 'token_malformed')
  })
})

describe('A5 token-string malleability', () => {
  // (a) padding and (b) whitespace are refused by A3. (c) ECDSA (r, n−s) is a second valid signature
  // of the same claims (RFC 7518 §3.4 has no low-S rule, and WebCrypto signers emit high-S half the
  // time), so it must verify; what matters is that nothing keyed on the string can be bypassed.
  const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')
  it('ES256 (r, n−s) verifies like (r, s); revocation by jti catches both, cached or not', async () => {
    const token = await sign(f.ec, claims({ jti: 'jti-malleable' }))
    const [eh, ep, es] = token.split('.') as [string, string, string]
    const raw = Buffer.from(es, 'base64url')
    const sValue = BigInt(`0x${raw.subarray(32).toString('hex')}`)
    const flipped = Buffer.from((N - sValue).toString(16).padStart(64, '0'), 'hex')
    const twin = `${eh}.${ep}.${Buffer.concat([raw.subarray(0, 32), flipped]).toString('base64url')}`
    expect(twin).not.toBe(token)

    const revoked = new Set<string>()
    const verifier = f.verifier({ isRevoked: (payload) => revoked.has(payload.jti as string) })
    const first = await verifier.verify(token)
    const second = await verifier.verify(twin)
    expect(second.payload).toEqual(first.payload)
    revoked.add('jti-malleable')
    await expectInvalidToken(verifier.verify(token), 'token_revoked')
    await expectInvalidToken(verifier.verify(twin), 'token_revoked')
    expect(verifier.cacheStats().hits).toBeGreaterThanOrEqual(2)
  })
})

describe('A6 header is not a JSON object', () => {
  it.each(['null', '[{"alg":"RS256"}]', '"RS256"', '1', '{', '', 'true'])('header %j → 401', async (text) => {
    await expectInvalidToken(f.verifier().verify(`${b64url(text)}.${p()}.${s()}`), 'token_malformed')
  })
})

describe('A7 claims set is not a JSON object (validly signed)', () => {
  it.each(['[]', 'null', '1', '"str"', 'true', '', '[{"iss":"https://issuer.example.com/"}]'])(
    'payload %j → 401 token_malformed',
    async (text) => {
      const token = await signParts(f.rsa, JSON.stringify({ alg: 'RS256', kid: f.rsa.kid }), text)
      await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
    },
  )
  it('{} verifies nothing: required claims (exp by default, and iss) are missing → 401', async () => {
    const token = await signJson(f.rsa, { alg: 'RS256', kid: f.rsa.kid }, {})
    await expectInvalidToken(f.verifier().verify(token), 'claim_invalid')
  })
})

describe('A8 invalid or non-UTF-8 JSON text', () => {
  const header = `{"alg":"RS256","kid":"KID"}`
  it.each([
    [
      '0xFF byte in a header string',
      () => Buffer.concat([Buffer.from(header.slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')]),
    ],
    [
      'overlong "/" (C0 AF)',
      () =>
        Buffer.concat([
          Buffer.from(header.slice(0, -1) + ',"x":"'),
          Buffer.from([0xc0, 0xaf]),
          Buffer.from('"}'),
        ]),
    ],
    ['UTF-16LE header', () => Buffer.from(header, 'utf16le')],
    // Policy: a BOM is not stripped (RFC 8725 §3.7: UTF-8 only, one spelling per token).
    ['UTF-8 BOM before "{"', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(header)])],
  ])('%s → 401', async (_name, bytes) => {
    const text = bytes().toString('latin1').replace('KID', f.rsa.kid)
    const token = await signParts(f.rsa, Buffer.from(text, 'latin1'), JSON.stringify(claims()))
    await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
  })
  it('policy: an escaped lone surrogate is valid JSON and verifies; the frozen claims still serialize', async () => {
    const payload = JSON.stringify(claims()).replace('"user-1"', '"\\ud800"')
    const token = await signParts(f.rsa, JSON.stringify({ alg: 'RS256', kid: f.rsa.kid }), payload)
    const { payload: verified } = await f.verifier().verify(token)
    expect(verified.sub).toBe('\ud800')
    expect(() => JSON.stringify(verified)).not.toThrow()
  })
})

describe('A9 duplicate member names: lexically last wins, identically in every code path', () => {
  it('header {"alg":"none","alg":"RS256"} is an RS256 token; the reverse order is alg none → 401', async () => {
    const lastRs = await signParts(
      f.rsa,
      `{"alg":"none","alg":"RS256","kid":"${f.rsa.kid}"}`,
      JSON.stringify(claims()),
    )
    expect((await f.verifier().verify(lastRs)).header.alg).toBe('RS256')
    const lastNone = await signParts(
      f.rsa,
      `{"alg":"RS256","alg":"none","kid":"${f.rsa.kid}"}`,
      JSON.stringify(claims()),
    )
    await expectInvalidToken(f.verifier().verify(lastNone), 'algorithm_not_allowed')
  })
  it('duplicate sub and exp: the last one counts', async () => {
    const header = JSON.stringify({ alg: 'RS256', kid: f.rsa.kid })
    const base = JSON.stringify(claims()).slice(0, -1)
    const sub = await signParts(f.rsa, header, `${base},"sub":"admin","sub":"user-2"}`)
    expect((await f.verifier().verify(sub)).payload.sub).toBe('user-2')
    const expiredLast = await signParts(f.rsa, header, `${base},"exp":${NOW + 600},"exp":1}`)
    await expectInvalidToken(f.verifier().verify(expiredLast), 'token_expired')
    const validLast = await signParts(f.rsa, header, `${base},"exp":1,"exp":${NOW + 600}}`)
    await expect(f.verifier().verify(validLast)).resolves.toBeDefined()
  })
})

describe('A10 parser differential: segments a lenient decoder would read differently', () => {
  it.each([
    [
      '"=" joining two headers',
      () => `${b64url(`{"alg":"RS256","kid":"${f.rsa.kid}"}`)}=${b64url('{"kid":"evil"}')}`,
    ],
    ['"!" inside the header', () => `${h().slice(0, 5)}!${h().slice(5)}`],
  ])('%s → 401 before any key is chosen', async (_name, header) => {
    await expectInvalidToken(f.verifier().verify(`${header()}.${p()}.${s()}`), 'token_malformed')
  })
})

describe('A11–A13 other serializations', () => {
  it('JWS JSON serialization (general and flattened) → 401', async () => {
    const general = JSON.stringify({
      payload: p(),
      signatures: [{ protected: h(), header: { kid: 'x' }, signature: s() }],
    })
    const flattened = JSON.stringify({ protected: h(), payload: p(), signature: s() })
    await expectInvalidToken(f.verifier().verify(general), 'token_malformed')
    await expectInvalidToken(f.verifier().verify(flattened), 'token_malformed')
  })
  it('unencoded payload (RFC 7797 b64:false) → 401', async () => {
    const header = { alg: 'RS256', kid: f.rsa.kid, crit: ['b64'], b64: false }
    const token = await signJson(f.rsa, header, claims())
    await expectInvalidToken(f.verifier().verify(token), 'token_malformed')
  })
  it('JWE (5 segments) → 401', async () => {
    const jwe = [b64url('{"alg":"RSA-OAEP-256","enc":"A256GCM"}'), 'ZWs', 'aXY', 'Y3Q', 'dGFn'].join('.')
    await expectInvalidToken(f.verifier().verify(jwe), 'token_malformed')
  })
})
