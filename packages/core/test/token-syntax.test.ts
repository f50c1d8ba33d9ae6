import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type Verifier } from '@tokenguard/core'
import { expectAuthError } from './support/expect-error.js'
import { signRaw } from './support/raw-token.js'
import {
  AUDIENCE,
  b64url,
  claims,
  compact,
  ISSUER,
  makeKey,
  NOW,
  sign,
  type TestKey,
} from './support/keys.js'

/**
 * Strict syntax checks done before jose sees a token (RFC 7515 §2, §5.2, §7.1; RFC 8725 §3.7): one token,
 * one spelling. jose itself tolerates padding and whitespace in signatures and non-canonical base64url.
 */

let key: TestKey
let verifier: Verifier
let token: string
let parts: [string, string, string]
beforeAll(async () => {
  key = await makeKey('ES256')
  verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => NOW * 1000,
  })
  token = await sign(key, claims())
  parts = token.split('.') as [string, string, string]
})

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The same bytes spelt with non-zero unused trailing bits (RFC 4648 §3.5). */
function nonCanonical(segment: string): string {
  const last = ALPHABET.indexOf(segment.slice(-1))
  const spare = segment.length % 4 === 2 ? 0b1111 : 0b11
  return segment.slice(0, -1) + (ALPHABET[last | spare] as string)
}

/** A token with raw header and payload bytes, validly signed by the trusted key (jose refuses most). */
function raw(header: Buffer | string | object, payload: Buffer | string): string {
  return signRaw(key, header, payload)
}

describe('length and shape', () => {
  it('accepts a well-formed token, also when signed by hand', async () => {
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    const byHand = raw({ alg: 'ES256', kid: key.kid }, JSON.stringify(claims()))
    await expect(verifier.verify(byHand)).resolves.toMatchObject({ token: byHand })
  })

  it('caps the length before decoding (maxTokenLength, inclusive)', async () => {
    const exact = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => NOW * 1000,
      maxTokenLength: token.length,
    })
    await expect(exact.verify(token)).resolves.toBeDefined()
    const short = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => NOW * 1000,
      maxTokenLength: token.length - 1,
    })
    await expectAuthError(short.verify(token), 'token_malformed')
  })

  it('caps at 8 KiB by default', async () => {
    const big = await sign(key, claims({ pad: 'x'.repeat(8192) }))
    await expectAuthError(verifier.verify(big), 'token_malformed')
  })

  it.each([[''], [undefined], [null], [42], [['a.b.c']]])('rejects a non-token %j', async (value) => {
    await expectAuthError(verifier.verify(value as unknown as string), 'token_malformed')
  })

  it('requires exactly three non-empty segments', async () => {
    const [h, p, s] = parts
    for (const bad of [
      h,
      `${h}.${p}`,
      `${token}.${s}`,
      `${token}.${s}.${s}`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.`,
      '..',
    ]) {
      await expectAuthError(verifier.verify(bad), 'token_malformed')
    }
  })
})

describe('strict base64url', () => {
  it.each([
    ['padding', (s: string) => `${s}=`],
    ['double padding', (s: string) => `${s}==`],
    ['a space', (s: string) => `${s.slice(0, 10)} ${s.slice(10)}`],
    ['a TAB', (s: string) => `${s.slice(0, 10)}\t${s.slice(10)}`],
    ['CRLF', (s: string) => `${s.slice(0, 10)}\r\n${s.slice(10)}`],
    ['a NUL', (s: string) => `${s}\0`],
    ['standard base64 +', (s: string) => `+${s.slice(1)}`],
    ['standard base64 /', (s: string) => `/${s.slice(1)}`],
  ])('rejects %s in any segment', async (_name, mutate) => {
    const [h, p, s] = parts
    for (const bad of [`${mutate(h)}.${p}.${s}`, `${h}.${mutate(p)}.${s}`, `${h}.${p}.${mutate(s)}`]) {
      await expectAuthError(verifier.verify(bad), 'token_malformed')
    }
  })

  it('rejects leading or trailing whitespace', async () => {
    await expectAuthError(verifier.verify(` ${token}`), 'token_malformed')
    await expectAuthError(verifier.verify(`${token}\n`), 'token_malformed')
  })

  it('rejects non-canonical trailing bits that decode to the same bytes', async () => {
    const [h, p, s] = parts
    const spelling = nonCanonical(s)
    expect(spelling).not.toBe(s)
    expect(Buffer.from(spelling, 'base64url')).toEqual(Buffer.from(s, 'base64url'))
    await expectAuthError(verifier.verify(`${h}.${p}.${spelling}`), 'token_malformed')
    // The header too: 16 bytes of JSON leave 4 unused bits in its last character.
    const header = b64url('{"alg":"ES256" }')
    expect(header.length % 4).toBe(2)
    await expectAuthError(verifier.verify(`${nonCanonical(header)}.${p}.${s}`), 'token_malformed')
  })

  it('rejects a segment whose length is 1 mod 4', async () => {
    const [h, p, s] = parts
    const longer = `${s}${'A'.repeat((5 - (s.length % 4)) % 4)}`
    expect(longer.length % 4).toBe(1)
    await expectAuthError(verifier.verify(`${h}.${p}.${longer}`), 'token_malformed')
    await expectAuthError(verifier.verify(`${h}.${p}.AAAAA`), 'token_malformed')
  })
})

describe('header', () => {
  it.each([
    'null',
    '[{"alg":"ES256"}]',
    '"ES256"',
    '1',
    '{',
    '{"kid":"k"}',
    '{"alg":""}',
    '{"alg":123}',
    '{"alg":["ES256"]}',
    '{"alg":null}',
  ])('rejects header %s', async (header) => {
    await expectAuthError(verifier.verify(raw(header, JSON.stringify(claims()))), 'token_malformed')
  })

  it.each([
    { crit: ['exp'] },
    { crit: [] },
    { crit: 'b64' },
    { crit: ['b64'], b64: false },
    { b64: false },
    { b64: true },
  ])('rejects %j (unknown crit, unencoded payload)', async (extra) => {
    const signed = raw({ alg: 'ES256', kid: key.kid, ...extra }, JSON.stringify(claims()))
    await expectAuthError(verifier.verify(signed), 'token_malformed')
  })

  it.each(['JWT', 'jwt'])('rejects nested JWTs (cty %s)', async (cty) => {
    await expectAuthError(verifier.verify(await sign(key, claims(), { header: { cty } })), 'token_malformed')
  })

  it('accepts another cty (pinned: only nested JWTs are refused)', async () => {
    await expect(
      verifier.verify(await sign(key, claims(), { header: { cty: 'json' } })),
    ).resolves.toBeDefined()
  })
})

describe('payload', () => {
  it.each(['[]', 'null', '1', '"str"', 'true', '', '[{"iss":"x"}]', '{'])(
    'rejects payload %j',
    async (payload) => {
      await expectAuthError(verifier.verify(raw('{"alg":"ES256"}', payload)), 'token_malformed')
    },
  )
})

describe('encoding', () => {
  const invalid = [
    ['0xFF', Buffer.from([0xff])],
    ['an overlong /', Buffer.from([0xc0, 0xaf])],
    ['a lone continuation byte', Buffer.from([0x80])],
  ] as const

  it.each(invalid)('rejects %s inside the header', async (_name, bytes) => {
    const header = Buffer.concat([Buffer.from('{"alg":"ES256","x":"'), bytes, Buffer.from('"}')])
    const error = await expectAuthError(
      verifier.verify(raw(header, JSON.stringify(claims()))),
      'token_malformed',
    )
    // The decoder's error is kept in the reason, escaped; not as `cause`, whose message loggers print raw.
    expect(error.cause).toBeUndefined()
    expect(error.reason.message).toMatch(/header is not UTF-8 JSON.*TypeError|header is not UTF-8 JSON/)
  })

  it.each(invalid)('rejects %s inside the payload', async (_name, bytes) => {
    const payload = Buffer.concat([Buffer.from('{"sub":"'), bytes, Buffer.from('"}')])
    await expectAuthError(verifier.verify(raw('{"alg":"ES256"}', payload)), 'token_malformed')
  })

  it('rejects UTF-16 and a UTF-8 byte-order mark (pinned: RFC 8725 §3.7, one encoding)', async () => {
    const utf16 = Buffer.from('{"alg":"ES256"}', 'utf16le')
    await expectAuthError(verifier.verify(raw(utf16, JSON.stringify(claims()))), 'token_malformed')
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"alg":"ES256"}')])
    await expectAuthError(verifier.verify(raw(bom, JSON.stringify(claims()))), 'token_malformed')
  })

  it('never puts the token in the error message', async () => {
    const bad = compact({ alg: 'ES256' }, '[]')
    const error = await expectAuthError(verifier.verify(bad), 'token_malformed')
    expect(error.message).not.toContain(bad.split('.')[0])
  })
})
