import { describe, expect, it } from '@jest/globals'
import { AuthError, bearerChallenge, createVerifier, extractToken, requireScopes } from '@tokenguard/core'
import { expectAuthError } from './support/expect-error.js'

/**
 * WWW-Authenticate challenges (RFC 6750 §3): formats, and header safety of every value whatever text
 * reaches them (no quote, backslash, CR/LF, control character; bounded length; each attribute once).
 */

/** RFC 6750 §3 with attribute values restricted to %x20-21 / %x23-5B / %x5D-7E. */
const CHALLENGE =
  /^Bearer(?: [a-z_]+="[\x20\x21\x23-\x5b\x5d-\x7e]*"(?:, [a-z_]+="[\x20\x21\x23-\x5b\x5d-\x7e]*")*)?$/

function assertSafe(header: string | undefined): void {
  expect(header).toBeDefined()
  expect(header).toMatch(CHALLENGE)
  const names = [...(header as string).matchAll(/([a-z_]+)="/g)].map((m) => m[1])
  expect(new Set(names).size).toBe(names.length)
}

const HOSTILE = [
  'api"realm',
  'a\\"b',
  'x\r\nSet-Cookie: session=1',
  'tab\there',
  'nul\0byte',
  'ünïcödé',
  '"',
  '\\',
  'a'.repeat(10_000),
]

describe('formats', () => {
  it.each([
    [{}, 'Bearer'],
    [{ realm: 'api' }, 'Bearer realm="api"'],
    [
      { error: 'invalid_token', errorDescription: 'Expired' },
      'Bearer error="invalid_token", error_description="Expired"',
    ],
    [
      { realm: 'api', error: 'insufficient_scope', scope: ['read', 'write'] },
      'Bearer realm="api", error="insufficient_scope", scope="read write"',
    ],
    [{ realm: '' }, 'Bearer realm=""'],
    [{ scope: [] }, 'Bearer'],
  ])('%j → %s', (params, expected) => {
    expect(bearerChallenge(params)).toBe(expected)
  })
})

describe('header safety', () => {
  it.each(HOSTILE.map((value) => [value]))('a hostile realm %j stays inside its quotes', (realm) => {
    const header = bearerChallenge({ realm, error: 'invalid_token' })
    assertSafe(header)
    expect(header.length).toBeLessThan(400)
  })

  it('drops scope names that are not RFC 6750 scope-tokens, keeps the others', () => {
    const header = bearerChallenge({
      scope: ['read', 'a b', 'q"uote', 'back\\slash', 'cr\r\nlf', '', 'write'],
    })
    assertSafe(header)
    expect(header).toBe('Bearer scope="read write"')
  })

  it('keeps realms hostile text out of verifier, extraction and guard errors', async () => {
    for (const realm of HOSTILE) {
      const v = createVerifier({ issuer: null, audience: null, secret: 's'.repeat(32), realm })
      assertSafe((await expectAuthError(v.verify('a.b.c'), 'token_malformed')).headers['WWW-Authenticate'])
      let thrown: unknown
      try {
        extractToken({ authorization: 'Bearer a b' }, { realm })
      } catch (e) {
        thrown = e
      }
      assertSafe((thrown as AuthError).headers['WWW-Authenticate'])
      try {
        requireScopes('read')({ payload: {}, header: { alg: 'HS256' }, token: 'x' }, realm)
      } catch (e) {
        thrown = e
      }
      assertSafe((thrown as AuthError).headers['WWW-Authenticate'])
    }
  })

  it('never puts attacker text into error_description', () => {
    for (const code of [
      'invalid_request',
      'token_malformed',
      'claim_invalid',
      'insufficient_scope',
    ] as const) {
      const error = new AuthError(code, { cause: new Error('"\r\nX-Evil: 1'), claim: 'x"\r\n' })
      assertSafe(error.headers['WWW-Authenticate'])
      expect(error.headers['WWW-Authenticate']).not.toContain('Evil')
    }
  })
})
