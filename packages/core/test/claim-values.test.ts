import { describe, expect, it } from '@jest/globals'
import { claimPath, readClaim, rolePresets, rolesOf, scopesOf } from '@tokenguard/core'

/** Reading scopes and roles from claims: own properties only, strings only, exact tokens. */

describe('readClaim', () => {
  const payload = JSON.parse('{"a":{"b":{"c":1}},"cognito:groups":["g"],"__proto__":{"x":1}}') as unknown

  it('reads a top-level name or a nested path', () => {
    expect(readClaim(payload, 'cognito:groups')).toEqual(['g'])
    expect(readClaim(payload, claimPath('a', 'b', 'c'))).toBe(1)
    expect(readClaim(payload, claimPath('a', 'x', 'c'))).toBeUndefined()
  })

  it('reads own properties only (a JSON "__proto__" member is an ordinary claim)', () => {
    expect(readClaim(payload, 'toString')).toBeUndefined()
    expect(readClaim(payload, claimPath('a', 'constructor'))).toBeUndefined()
    expect(readClaim(payload, claimPath('__proto__', 'x'))).toBe(1)
    expect(readClaim('text', 'length')).toBeUndefined()
    expect(readClaim(null, 'a')).toBeUndefined()
  })
})

describe('scopesOf', () => {
  it('merges scope, scp and permissions', () => {
    expect(scopesOf({ scope: 'a b', scp: ['c'], permissions: ['d', 5] })).toEqual(
      new Set(['a', 'b', 'c', 'd']),
    )
    expect(scopesOf({ scp: 'e f' })).toEqual(new Set(['e', 'f']))
  })

  it('splits on single spaces only and ignores empty tokens', () => {
    expect(scopesOf({ scope: '  a\tb  c,d ' })).toEqual(new Set(['a\tb', 'c,d']))
  })

  it('returns nothing for missing or odd claims', () => {
    expect(scopesOf({})).toEqual(new Set())
    expect(scopesOf({ scope: 1, permissions: 'a' })).toEqual(new Set())
    expect(scopesOf(undefined)).toEqual(new Set())
  })
})

describe('rolesOf', () => {
  it('reads every given path and ignores other types', () => {
    const payload = { roles: ['a'], groups: 'b c', realm_access: { roles: ['d', 1] }, other: { x: 1 } }
    expect(
      rolesOf(payload, [rolePresets.roles, rolePresets.groups, rolePresets.keycloakRealm, 'other']),
    ).toEqual(new Set(['a', 'b c', 'd']))
  })

  it('has presets for the usual providers', () => {
    expect(rolePresets).toMatchObject({
      roles: 'roles',
      groups: 'groups',
      cognito: 'cognito:groups',
      keycloakRealm: { path: ['realm_access', 'roles'] },
    })
    expect(rolePresets.keycloakClient('api')).toEqual({ path: ['resource_access', 'api', 'roles'] })
  })
})
