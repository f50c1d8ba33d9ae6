import { describe, expect, it } from '@jest/globals'
import {
  requireAnyScope,
  requireClaims,
  requireRoles,
  requireScopes,
  claimPath,
  rolePresets,
  type Guard,
  type VerifiedToken,
} from '@tokenguard/core'
import { expectAuthErrorSync, expectConfigError } from './support/expect-error.js'

/** Guards over verified claims: scopes, roles, predicates; 401 without auth, 403 with a scope challenge. */

const auth = (payload: Record<string, unknown>): VerifiedToken =>
  ({
    payload: JSON.parse(JSON.stringify(payload)),
    header: { alg: 'ES256' },
    token: 'h.p.s',
  }) as VerifiedToken

const allows = (guard: Guard, payload: Record<string, unknown>) => {
  expect(() => guard(auth(payload))).not.toThrow()
}
const denies = (guard: Guard, payload: Record<string, unknown>) =>
  expectAuthErrorSync(() => guard(auth(payload)), 'insufficient_scope')

describe('requireScopes (all)', () => {
  it('passes with every scope, from scope, scp or permissions', () => {
    const guard = requireScopes('read', 'write')
    allows(guard, { scope: 'read write' })
    allows(guard, { scope: 'write  other read' })
    allows(guard, { scp: 'read write' })
    allows(guard, { scp: ['read', 'write'] })
    allows(guard, { permissions: ['write', 'read'] })
    allows(guard, { scope: 'read', scp: ['write'] })
  })

  it('answers 403 with scope="…" when one is missing', () => {
    const error = denies(requireScopes('read', 'write'), { scope: 'read' })
    expect(error.scope).toEqual(['read', 'write'])
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="The access token lacks the required permissions", scope="read write"',
    )
    const withRealm = expectAuthErrorSync(() => requireScopes('read')(auth({}), 'api'), 'insufficient_scope')
    expect(withRealm.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="api", error="insufficient_scope", .*scope="read"$/,
    )
  })

  it.each([
    ['readonly', { scope: 'readonly' }],
    ['READ', { scope: 'READ' }],
    ['"read,write"', { scope: 'read,write' }],
    ['a tab', { scope: 'read\twrite' }],
    ['a prefix', { scope: 're' }],
    ['a non-string scope', { scope: 1 }],
    ['non-string members', { scp: [1, null, { read: true }] }],
    ['permissions as a string (pinned: arrays only)', { permissions: 'read' }],
    ['an object scope', { scope: { read: true } }],
  ])('matches exactly: %s does not grant read', (_name, payload) => {
    denies(requireScopes('read'), payload)
  })

  it('accepts scope as an array (pinned: lenient like scp)', () => {
    allows(requireScopes('read'), { scope: ['read'] })
  })

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
    'never grants the prototype-shaped name %s unless the token lists it',
    (name) => {
      denies(requireScopes(name), { scope: 'read' })
      denies(requireScopes(name), {})
      allows(requireScopes(name), { scope: name })
    },
  )
})

describe('requireAnyScope', () => {
  it('passes with one of the scopes, and lists all in the challenge otherwise', () => {
    const guard = requireAnyScope('read', 'admin')
    allows(guard, { scope: 'admin' })
    allows(guard, { scp: ['read'] })
    const error = denies(guard, { scope: 'write' })
    expect(error.headers['WWW-Authenticate']).toMatch(/scope="read admin"$/)
  })
})

describe('requireRoles', () => {
  it.each([
    ['roles', { roles: ['admin'] }],
    ['groups', { groups: ['admin'] }],
    ['cognito:groups', { 'cognito:groups': ['admin'] }],
    ['realm_access.roles', { realm_access: { roles: ['admin'] } }],
  ])('reads %s by default', (_name, payload) => {
    allows(requireRoles('admin'), payload)
  })

  it('reads resource_access.<client>.roles through the keycloakClient preset only', () => {
    const payload = { resource_access: { 'my-api': { roles: ['admin'] }, other: { roles: ['root'] } } }
    denies(requireRoles('admin'), payload)
    allows(requireRoles('admin', { claims: [rolePresets.keycloakClient('my-api')] }), payload)
    denies(requireRoles('root', { claims: [rolePresets.keycloakClient('my-api')] }), payload)
  })

  it('reads only the configured claims', () => {
    const guard = requireRoles('admin', { claims: [rolePresets.cognito] })
    allows(guard, { 'cognito:groups': ['admin'] })
    denies(guard, { roles: ['admin'] })
  })

  it('requires all roles by default, one with match: any', () => {
    const payload = { roles: ['editor'] }
    denies(requireRoles('editor', 'admin'), payload)
    allows(requireRoles('editor', 'admin', { match: 'any' }), payload)
    allows(requireRoles('editor', 'admin', { match: 'all' }), { roles: ['editor'], groups: ['admin'] })
  })

  it('matches exactly and never through the prototype', () => {
    denies(requireRoles('admin'), { roles: ['Admin', 'administrator', 'admin '] })
    denies(
      requireRoles('admin', {
        claims: ['constructor', claimPath('toString'), claimPath('__proto__', 'roles')],
      }),
      {},
    )
    denies(requireRoles('constructor'), { roles: [] })
  })

  it('takes a role claim given as one string as one role, never split (item 128)', () => {
    denies(requireRoles('admin'), { roles: 'user admin' })
    allows(requireRoles('user admin'), { roles: 'user admin' })
  })

  it('answers 403 without a scope attribute (pinned: roles are not OAuth scopes)', () => {
    const error = denies(requireRoles('admin'), { roles: ['user'] })
    expect(error.headers['WWW-Authenticate']).not.toContain('scope=')
  })
})

describe('requireClaims', () => {
  it('passes only when the predicate returns true', () => {
    allows(
      requireClaims((p) => p.sub === 'u1'),
      { sub: 'u1' },
    )
    denies(
      requireClaims((p) => p.sub === 'u1'),
      { sub: 'u2' },
    )
    denies(
      requireClaims(() => 1 as unknown as boolean),
      {},
    )
  })

  it('fails closed with 403 when the predicate throws, keeping the error as cause (pinned)', () => {
    const bug = new Error('bug')
    const error = denies(
      requireClaims(() => {
        throw bug
      }),
      {},
    )
    expect(error.cause).toBe(bug)
  })
})

describe('every guard', () => {
  const guards: [string, Guard][] = [
    ['requireScopes', requireScopes('read')],
    ['requireAnyScope', requireAnyScope('read')],
    ['requireRoles', requireRoles('admin')],
    ['requireClaims', requireClaims(() => true)],
  ]

  it.each(guards)('%s answers 401 credentials_required without auth', (_name, guard) => {
    for (const missing of [null, undefined]) {
      const error = expectAuthErrorSync(() => guard(missing), 'credentials_required')
      expect(error.headers['WWW-Authenticate']).toBe('Bearer')
    }
    const error = expectAuthErrorSync(() => guard(null, 'api'), 'credentials_required')
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api"')
  })

  it('describes its requirement', () => {
    expect(requireScopes('a', 'b').requirement).toEqual({ kind: 'scopes', match: 'all', values: ['a', 'b'] })
    expect(requireAnyScope('a').requirement).toEqual({ kind: 'scopes', match: 'any', values: ['a'] })
    expect(requireRoles('r', { match: 'any' }).requirement).toEqual({
      kind: 'roles',
      match: 'any',
      values: ['r'],
      claims: ['roles', 'groups', 'cognito:groups', { path: ['realm_access', 'roles'] }],
    })
    expect(requireRoles('r', { claims: rolePresets.keycloakClient('api') }).requirement).toMatchObject({
      claims: [{ path: ['resource_access', 'api', 'roles'] }],
    })
    expect(requireClaims(() => true).requirement).toEqual({ kind: 'claims' })
  })
})

describe('configuration', () => {
  it.each([
    ['requireScopes', () => requireScopes()],
    ['requireScopes', () => requireScopes('')],
    ['requireScopes', () => requireScopes('read write')],
    ['requireScopes', () => requireScopes('a"b')],
    ['requireScopes', () => requireScopes(1 as unknown as string)],
    ['requireAnyScope', () => requireAnyScope()],
    ['requireAnyScope', () => requireAnyScope('back\\slash')],
    ['requireRoles', () => requireRoles()],
    ['requireRoles', () => requireRoles({ match: 'any' } as never)],
    ['requireRoles', () => requireRoles('admin', null as never)],
    ['requireRoles.match', () => requireRoles('admin', { match: 'some' as 'any' })],
    ['requireRoles.claims', () => requireRoles('admin', { claims: '' })],
    ['requireRoles.claims', () => requireRoles('admin', { claims: [] })],
    ['requireRoles.claims', () => requireRoles('admin', { claims: [['realm_access', 'roles']] as never })],
    ['requireClaims', () => requireClaims('sub' as never)],
  ])('%s refuses an empty or unusable requirement', (option, make) => {
    expectConfigError(make, option)
  })
})
