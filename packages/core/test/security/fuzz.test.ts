import { beforeAll, describe, expect, it } from '@jest/globals'
import { isAuthError, type Verifier } from '@tokenguard/core'
import fc from 'fast-check'
import { attackFixture, signJson, type AttackFixture } from '../support/attack.js'
import { b64url, claims, sign } from '../support/keys.js'

/**
 * Property-based tests: random mutations of valid tokens never verify unless the mutation is spec-legal,
 * and every failure is an `AuthError` (never a TypeError, RangeError or an unhandled rejection).
 * Runs are kept modest for CI; raise FUZZ_RUNS locally for a longer search.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)
let f: AttackFixture
let verifier: Verifier
let tokens: string[]
beforeAll(async () => {
  f = await attackFixture()
  verifier = f.verifier()
  tokens = await Promise.all([
    sign(f.ec, claims({ sub: 'a', scope: 'read' })),
    sign(f.ec, claims({ sub: 'b', scope: 'admin' })),
    sign(f.rsa, claims({ sub: 'c' })),
  ])
})

/** Verifies and classifies: 'ok', or the AuthError code; anything else fails the property. */
async function outcome(token: string): Promise<string> {
  try {
    await verifier.verify(token)
    return 'ok'
  } catch (error) {
    expect(isAuthError(error)).toBe(true)
    expect((error as { status: number }).status).toBe(401)
    return (error as { code: string }).code
  }
}

const chars = fc.constantFrom(...'AZaz09-_+/=. \t\r\n\0?#!{}"'.split(''), 'é', '\u200b', '%')

describe('fuzz', () => {
  it('character edits (replace, insert, delete) of a valid token never verify', async () => {
    const edit = fc.record({
      which: fc.nat(2),
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'insert', 'delete'),
      c: chars,
    })
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        let token = tokens[edits[0]!.which]!
        for (const { at, kind, c } of edits) {
          const i = at % token.length
          token =
            kind === 'insert'
              ? token.slice(0, i) + c + token.slice(i)
              : token.slice(0, i) + (kind === 'replace' ? c : '') + token.slice(i + 1)
        }
        const result = await outcome(token)
        if (result === 'ok') expect(tokens).toContain(token)
      }),
      { numRuns: RUNS },
    )
  })

  it('segments recombined across valid tokens verify only as the original triple', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(2), fc.nat(2), fc.nat(2), async (i, j, k) => {
        const part = (n: number, s: number) => tokens[n]!.split('.')[s]!
        const token = `${part(i, 0)}.${part(j, 1)}.${part(k, 2)}`
        expect((await outcome(token)) === 'ok').toBe(tokens.includes(token))
      }),
      { numRuns: 27 },
    )
  })

  it('any claim set to any JSON value, keeping the signature, never verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(2),
        fc.constantFrom('iss', 'aud', 'sub', 'exp', 'nbf', 'iat', 'scope', '__proto__', 'x'),
        fc.jsonValue({ maxDepth: 3 }),
        async (which, name, value) => {
          const [h, p, s] = tokens[which]!.split('.') as [string, string, string]
          const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
          const mutated = b64url(JSON.stringify({ ...payload, [name]: value }))
          const result = await outcome(`${h}.${mutated}.${s}`)
          if (result === 'ok') expect(mutated).toBe(p)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('a validly re-signed token with a random header field verifies only with a legal header', async () => {
    const field = fc.constantFrom(
      'alg',
      'kid',
      'typ',
      'crit',
      'cty',
      'b64',
      'jku',
      'jwk',
      'x5u',
      'x5c',
      'zip',
      'enc',
    )
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'JWT', 'at+jwt', 'dpop+jwt', ['exp'], f.ec.kid),
    )
    await fc.assert(
      fc.asyncProperty(field, value, async (name, v) => {
        const header = { alg: 'ES256', kid: f.ec.kid, [name]: v }
        const result = await outcome(await signJson(f.ec, header, claims()))
        if (result !== 'ok') return
        // Only parameters that carry no verification meaning for us may vary freely.
        expect(header.alg).toBe('ES256')
        expect(header.kid).toBe(f.ec.kid)
        expect(['crit', 'b64'].includes(name)).toBe(false)
        if (name === 'typ') expect(['jwt', 'at+jwt']).toContain(String(v).toLowerCase())
        if (name === 'cty') expect(String(v).toUpperCase()).not.toBe('JWT')
      }),
      { numRuns: RUNS },
    )
  })

  it('arbitrary strings and arbitrary three-part strings are AuthErrors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (s) => {
        expect(await outcome(s)).not.toBe('ok')
      }),
      { numRuns: RUNS },
    )
    const segment = fc.oneof(fc.base64String(), fc.string({ unit: 'grapheme', maxLength: 40 }).map(b64url))
    await fc.assert(
      fc.asyncProperty(segment, segment, segment, async (a, b, c) => {
        expect(await outcome(`${a}.${b}.${c}`)).not.toBe('ok')
      }),
      { numRuns: RUNS },
    )
  })
})
