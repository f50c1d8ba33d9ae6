import { describe, expect, it } from '@jest/globals'
import {
  claimPath,
  requireClaimEquals,
  requireClaimIncludes,
  type Guard,
  type VerifiedToken,
} from '@tokenguard/core'
import { expectAuthErrorSync, expectConfigError } from './support/expect-error.js'

/** requireClaimEquals / requireClaimIncludes: `===` over one claim, own properties only, 403 with a reason. */

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

describe('requireClaimEquals', () => {
  it('passes only for the exact value, with no type coercion', () => {
    const guard = requireClaimEquals('tenant', 'acme')
    allows(guard, { tenant: 'acme' })
    denies(guard, { tenant: 'ACME' })
    denies(guard, { tenant: ['acme'] })
    denies(guard, { tenant: { toString: 'acme' } })
    denies(guard, {})
    denies(requireClaimEquals('level', 1), { level: '1' })
    allows(requireClaimEquals('level', 1), { level: 1 })
    allows(requireClaimEquals('email_verified', true), { email_verified: true })
    denies(requireClaimEquals('email_verified', true), { email_verified: 'true' })
    allows(requireClaimEquals('org', null), { org: null })
    denies(requireClaimEquals('org', null), {})
  })

  it('reads nested paths made by claimPath, own properties only', () => {
    const guard = requireClaimEquals(claimPath('org', 'plan'), 'enterprise')
    allows(guard, { org: { plan: 'enterprise' } })
    denies(guard, { org: { plan: 'free' } })
    denies(guard, { 'org.plan': 'enterprise' })
    // `constructor` of a plain object is inherited, never read.
    denies(requireClaimEquals(claimPath('org', 'constructor'), 'x'), { org: {} })
  })

  it('explains a refusal with a predicate reason naming the claim', () => {
    const error = denies(requireClaimEquals(claimPath('org', 'plan'), 'enterprise'), {
      org: { plan: 'free' },
    })
    expect(error.reason).toMatchObject({
      check: 'predicate',
      claim: 'org.plan',
      expected: 'enterprise',
      actual: 'free',
    })
    expect(error.headers['WWW-Authenticate']).toMatch(/error="insufficient_scope"/)
  })

  it('answers 401 without a verified token', () => {
    expectAuthErrorSync(() => requireClaimEquals('tenant', 'acme')(undefined), 'credentials_required')
  })

  it('refuses bad arguments at start-up', () => {
    expectConfigError(() => requireClaimEquals('', 'x'), 'requireClaimEquals')
    expectConfigError(() => requireClaimEquals(['a', 'b'] as never, 'x'), 'requireClaimEquals')
    expectConfigError(() => requireClaimEquals('tenant', undefined as never), 'requireClaimEquals')
    expectConfigError(() => requireClaimEquals('tenant', {} as never), 'requireClaimEquals')
    expectConfigError(() => requireClaimEquals('tenant', Number.NaN), 'requireClaimEquals')
  })

  it('states its requirement', () => {
    expect(requireClaimEquals('tenant', 'acme').requirement).toEqual({
      kind: 'claim',
      match: 'equals',
      claim: 'tenant',
      values: ['acme'],
    })
  })
})

describe('requireClaimIncludes', () => {
  it('requires an array holding every value', () => {
    const guard = requireClaimIncludes('amr', 'mfa', 'pwd')
    allows(guard, { amr: ['pwd', 'otp', 'mfa'] })
    denies(guard, { amr: ['pwd'] })
    denies(guard, { amr: [] })
    denies(guard, {})
    allows(requireClaimIncludes('levels', 2), { levels: [1, 2] })
    denies(requireClaimIncludes('levels', 2), { levels: ['2'] })
  })

  it('never splits a string claim on spaces', () => {
    const guard = requireClaimIncludes('groups', 'admin')
    denies(guard, { groups: 'Billing admin' })
    denies(guard, { groups: 'admin' })
    allows(guard, { groups: ['admin'] })
  })

  it('reads nested paths and explains a refusal', () => {
    const guard = requireClaimIncludes(claimPath('realm_access', 'roles'), 'editor')
    allows(guard, { realm_access: { roles: ['editor'] } })
    const error = denies(guard, { realm_access: { roles: ['viewer'] } })
    expect(error.reason).toMatchObject({
      check: 'predicate',
      claim: 'realm_access.roles',
      expected: ['editor'],
      actual: ['viewer'],
    })
  })

  it('refuses bad arguments at start-up', () => {
    expectConfigError(() => requireClaimIncludes('amr'), 'requireClaimIncludes')
    expectConfigError(() => requireClaimIncludes('amr', ['mfa'] as never), 'requireClaimIncludes')
    expectConfigError(() => requireClaimIncludes(42 as never, 'mfa'), 'requireClaimIncludes')
  })
})
