import { describe, expect, it } from '@jest/globals'
import { requireAnyScope, requireScopes, type AuthError, type VerifiedToken } from '@tokenguard/core'
import { expectSafeChallenge } from '../support/attack.js'

/** Catalog section F: scope guards (items 54–58), on verified claims as the adapters hand them over. */

const auth = (payload: Record<string, unknown>): VerifiedToken =>
  ({ payload, header: { alg: 'RS256' }, token: 't' }) as unknown as VerifiedToken
const denied = (run: () => void): AuthError => {
  try {
    run()
  } catch (error) {
    return error as AuthError
  }
  throw new Error('expected the guard to refuse')
}

describe('F54–F55 exact, case-sensitive, single-space scope tokens', () => {
  it.each([
    'readonly',
    'read:all',
    'unread',
    'xread',
    'READ',
    'Read',
    'read\twrite',
    'read\nwrite',
    'read,write',
    'read%20write',
  ])('scope %j does not grant "read"', (scope) => {
    expect(denied(() => requireScopes('read')(auth({ scope })))).toMatchObject({
      code: 'insufficient_scope',
      status: 403,
    })
  })
  it.each(['read write', 'write read', ' read', 'read ', 'read  write'])(
    'scope %j grants read (and write)',
    (scope) => {
      expect(() => requireScopes('read')(auth({ scope }))).not.toThrow()
    },
  )
  it('comma, TAB or LF joined scopes grant neither part', () => {
    for (const scope of ['read,write', 'read\twrite', 'read\nwrite'])
      expect(denied(() => requireAnyScope('read', 'write')(auth({ scope }))).code).toBe('insufficient_scope')
  })
})

describe('F56 scope claim shape', () => {
  it.each([1, { read: true }, null, true])('scope %j counts as no scope → 403', (scope) => {
    expect(denied(() => requireScopes('read')(auth({ scope }))).status).toBe(403)
  })
  it('missing scope with a required scope → 403 insufficient_scope', () => {
    expect(denied(() => requireScopes('read')(auth({}))).code).toBe('insufficient_scope')
  })
})

describe('F57 the 403 challenge', () => {
  it('names the needed scopes and stays within RFC 6750 characters', () => {
    const error = denied(() => requireScopes('admin', 'write')(auth({ scope: 'read' })))
    expect(error.status).toBe(403)
    const challenge = error.headers['WWW-Authenticate']!
    expectSafeChallenge(challenge)
    expect(challenge).toContain('error="insufficient_scope"')
    expect(challenge).toMatch(/scope="(admin write|write admin)"/)
  })
  it('without a verified token the guard answers 401 credentials_required, never 403', () => {
    expect(denied(() => requireScopes('read')(null))).toMatchObject({
      code: 'credentials_required',
      status: 401,
    })
    expect(denied(() => requireScopes('read')(undefined))).toMatchObject({
      code: 'credentials_required',
      status: 401,
    })
  })
})

describe('F58 AND/OR semantics and empties', () => {
  it('all-of needs every scope, any-of one of them', () => {
    expect(denied(() => requireScopes('a', 'b')(auth({ scope: 'a' }))).code).toBe('insufficient_scope')
    expect(() => requireAnyScope('a', 'b')(auth({ scope: 'b' }))).not.toThrow()
  })
  it('an empty requirement is refused at start-up rather than silently allowing everything', () => {
    expect(() => requireScopes()).toThrow(TypeError)
    expect(() => requireAnyScope()).toThrow(TypeError)
  })
  it('scope "" grants nothing', () => {
    expect(denied(() => requireScopes('read')(auth({ scope: '' }))).code).toBe('insufficient_scope')
  })
})
