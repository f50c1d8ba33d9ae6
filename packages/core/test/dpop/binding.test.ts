import { describe, expect, it } from '@jest/globals'
import { readBinding } from '../../src/binding.js'
import { expectAuthErrorSync } from '../support/expect-error.js'

const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
const X5T = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2'

describe('readBinding', () => {
  it('a token without cnf has no binding, whatever the caller checks', () => {
    expect(readBinding({ sub: 'a' }, undefined)).toBeUndefined()
    expect(readBinding({ sub: 'a' }, ['dpop'])).toBeUndefined()
  })

  it('a bare verification refuses every cnf', () => {
    expectAuthErrorSync(() => readBinding({ cnf: { jkt: JKT } }, undefined), 'binding_unverified')
    expectAuthErrorSync(() => readBinding({ cnf: { jkt: JKT } }, []), 'binding_unverified')
  })

  it('returns the members the caller checks; ignores others beside them', () => {
    expect(readBinding({ cnf: { jkt: JKT, 'x-keycloak': 1 } }, ['dpop'])).toEqual({ jkt: JKT })
    expect(readBinding({ cnf: { 'x5t#S256': X5T } }, ['mtls'])).toEqual({ x5t: X5T })
    expect(readBinding({ cnf: { jkt: JKT, 'x5t#S256': X5T } }, ['dpop', 'mtls'])).toEqual({
      jkt: JKT,
      x5t: X5T,
    })
  })

  it.each([
    ['null', null],
    ['an array', [JKT]],
    ['a string', JKT],
    ['an empty object', {}],
    ['only unknown members', { jwk: { kty: 'EC' } }],
    ['a jkt that is no thumbprint', { jkt: 'abc' }],
    ['a numeric jkt', { jkt: 1 }],
    ['an x5t#S256 that is no thumbprint', { 'x5t#S256': `${X5T}=` }],
  ])('refuses cnf as %s', (_, cnf) => {
    expectAuthErrorSync(() => readBinding({ cnf }, ['dpop', 'mtls']), 'binding_unverified')
  })

  it('refuses a binding of a method the caller does not check', () => {
    const error = expectAuthErrorSync(
      () => readBinding({ cnf: { 'x5t#S256': X5T } }, ['dpop']),
      'binding_unverified',
    )
    expect(error.reason.message).toMatch(/mTLS/)
    expectAuthErrorSync(() => readBinding({ cnf: { jkt: JKT } }, ['mtls']), 'binding_unverified')
    expectAuthErrorSync(
      () => readBinding({ cnf: { jkt: JKT, 'x5t#S256': X5T } }, ['dpop']),
      'binding_unverified',
    )
  })
})
