import { describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier, isAuthError, type VerifierOptions } from '@tokenguard/core'
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto'

/**
 * Attack review, targets 2 and 3, through the bare `createVerifier().verify()`: `validate` verdicts that are
 * not `true`, and `cnf` spelt every way raw JSON allows. Tokens are signed by hand (node:crypto) so that the
 * claims set is exactly the JSON text given (duplicate members, escapes), which no JWT library produces.
 */

const ISSUER = 'https://idp.attack-review.example/'
const AUDIENCE = 'https://api.attack-review.example'
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url')

/** A token whose claims set is `members` (raw JSON members, without braces) plus valid iss/aud/exp. */
function token(members: string): string {
  const now = Math.floor(Date.now() / 1000)
  const base = `"iss":${JSON.stringify(ISSUER)},"aud":${JSON.stringify(AUDIENCE)},"iat":${now},"exp":${now + 600}`
  const payload = `{${base}${members === '' ? '' : `,${members}`}}`
  const input = `${b64('{"alg":"RS256","kid":"k1","typ":"JWT"}')}.${b64(payload)}`
  return `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
}

const verifier = (options: Partial<VerifierOptions> = {}) =>
  createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: jwk, ...options } as VerifierOptions)

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { code?: string }) => error.code,
  )

describe('cnf in every JSON spelling → binding_unverified, never cached', () => {
  it('control: no cnf → accepted', async () => {
    expect(await codeOf(verifier().verify(token('')))).toBe('accepted')
  })

  it.each([
    ['unicode-escaped name', '"\\u0063nf":{"jkt":"x"}'],
    ['fully escaped name', '"\\u0063\\u006e\\u0066":{"jkt":"x"}'],
    ['duplicated, bound then null', '"cnf":{"jkt":"x"},"cnf":null'],
    ['duplicated, bound then false', '"cnf":{"jkt":"x"},"cnf":false'],
    ['duplicated, bound then {}', '"cnf":{"jkt":"x"},"cnf":{}'],
    ['next to a __proto__ member', '"__proto__":{"cnf":null},"cnf":{"jkt":"x"}'],
    ['0', '"cnf":0'],
    ['empty string', '"cnf":""'],
    ['a huge number', '"cnf":1e400'],
    ['deeply nested', `"cnf":${'['.repeat(60)}${']'.repeat(60)}`],
  ])('%s', async (_case, members) => {
    for (const options of [{}, { cache: false as const }, { validate: () => true as const }]) {
      const v = verifier(options)
      const t = token(members)
      expect(await codeOf(v.verify(t))).toBe('binding_unverified')
      expect(await codeOf(v.verify(t))).toBe('binding_unverified')
      expect(v.cacheStats().size).toBe(0)
    }
  })

  it('cnf only under __proto__ (no own cnf claim) is not a binding: accepted, and payload.cnf reads undefined', async () => {
    const { payload } = await verifier().verify(token('"__proto__":{"cnf":{"jkt":"x"}}'))
    expect((payload as Record<string, unknown>).cnf).toBeUndefined()
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype)
  })

  it('100 concurrent first verifications of one bound token: all refused, none cached', async () => {
    const v = verifier()
    const t = token('"cnf":{"jkt":"x"}')
    const codes = await Promise.all(Array.from({ length: 100 }, () => codeOf(v.verify(t))))
    expect(new Set(codes)).toEqual(new Set(['binding_unverified']))
    expect(v.cacheStats().size).toBe(0)
  })
})

describe('validate: only true passes, and only true is cached', () => {
  const thenable = (value: unknown) => ({ then: (resolve: (v: unknown) => void) => resolve(value) })

  it.each<[string, () => unknown]>([
    ['a thenable of "true"', () => thenable('true')],
    ['a thenable of 1', () => thenable(1)],
    ['new Boolean(true)', () => new Boolean(true)],
    ['an object whose valueOf is true', () => ({ valueOf: () => true, toString: () => 'true' })],
    ['[true]', () => [true]],
    ['a promise of a promise of undefined', () => Promise.resolve(Promise.resolve(undefined))],
    [
      'a thenable that throws',
      () => ({
        then: () => {
          throw new Error('boom')
        },
      }),
    ],
    ['a thenable of false', () => thenable(false)],
    [
      'a Proxy whose every trap throws',
      () =>
        new Proxy(
          {},
          {
            get: () => {
              throw new Error('trap')
            },
            has: () => {
              throw new Error('trap')
            },
            ownKeys: () => {
              throw new Error('trap')
            },
            getPrototypeOf: () => {
              throw new Error('trap')
            },
          },
        ),
    ],
    [
      'throw null',
      () => {
        throw null
      },
    ],
    [
      'throw a string',
      () => {
        throw 'no'
      },
    ],
  ])('%s → claim_invalid on every request, never cached', async (_case, validate) => {
    let calls = 0
    const v = verifier({ validate: (() => (calls++, validate())) as never })
    const t = token('')
    expect(await codeOf(v.verify(t))).toBe('claim_invalid')
    expect(await codeOf(v.verify(t))).toBe('claim_invalid')
    expect(calls).toBe(2)
    expect(v.cacheStats().size).toBe(0)
  })

  it('concurrent first verifications: a pending slow undefined never becomes a cached pass', async () => {
    let calls = 0
    const v = verifier({
      validate: (async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, 20))
        return undefined
      }) as never,
    })
    const t = token('')
    const codes = await Promise.all(Array.from({ length: 50 }, () => codeOf(v.verify(t))))
    expect(new Set(codes)).toEqual(new Set(['claim_invalid']))
    expect(await codeOf(v.verify(t))).toBe('claim_invalid')
    expect(calls).toBe(51)
  })
})

/**
 * LOW (target 6, "crash … from building a reason"): when the reason for a refused `validate` cannot be built —
 * the thrown error's `message` getter throws (inside `errorText()`, called from runValidate's catch) — the TypeError escapes `runValidate`, and `toAuthError` files the refusal
 * as `signature_invalid` with the reason "the signature does not verify". Still a refusal (no pass, no crash),
 * but the operator is told the wrong check failed. Expected: `claim_invalid` with a `validate` reason.
 */
describe('a reason that cannot be built never changes the code', () => {
  it.each<[string, () => unknown]>([
    [
      'validate throws an Error whose message getter throws',
      () => {
        const error = new Error('x')
        Object.defineProperty(error, 'message', {
          get: () => {
            throw new Error('getter')
          },
        })
        throw error
      },
    ],
  ])('%s → claim_invalid (check: validate)', async (_case, validate) => {
    const error = (await verifier({ validate: validate as never })
      .verify(token(''))
      .catch((e: unknown) => e)) as { code: string; reason: { check: string } }
    expect({ code: error.code, check: error.reason.check }).toEqual({
      code: 'claim_invalid',
      check: 'validate',
    })
  })
})

/**
 * LOW (target 7, quiet 4xx hiding a real bug): any non-AuthError thrown inside a verification — a bug, or a
 * broken option such as a `now` hook that returns a Date instead of milliseconds — is mapped by `toAuthError`
 * to `signature_invalid` (401): a quiet, stackless refusal whose reason says "the signature does not verify".
 * Every valid token is then refused, default handlers log one line per request blaming the signature, and the
 * real error (`now() must return the time in milliseconds`) survives only in `cause`, which no default handler
 * prints. Expected: an internal failure is a 500-class error with its stack (or at least a reason naming it),
 * never an ordinary-looking signature refusal.
 */
it('a broken now() hook is not reported as a bad signature: a ConfigError naming `now` (a 500)', async () => {
  const v = verifier({ now: (() => new Date()) as never })
  const error = await v.verify(token('')).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ConfigError)
  expect((error as Error).message).toMatch(/"now"/)
  expect(isAuthError(error)).toBe(false)
})
