import { describe, expect, it } from '@jest/globals'
import { createAuthenticator, createVerifier, type AuthenticatorOptions } from '@tokenguard/core'
import { resolveMtls } from '../../src/mtls/mtls-options.js'
import { expectConfigError } from '../support/expect-error.js'
import { AUDIENCE, ISSUER, makeKey } from '../support/keys.js'

const make = (extra: Record<string, unknown>) =>
  createAuthenticator({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: 'https://issuer.example.com/jwks',
    ...extra,
  } as AuthenticatorOptions<unknown>)

describe('resolveMtls', () => {
  it('defaults to allowed with the adapter’s certificate source', () => {
    expect(resolveMtls(undefined, 'allowed')).toEqual({ mode: 'allowed', getCertificate: undefined })
  })

  it('keeps mode and getCertificate; disabled is no mTLS at all', () => {
    const getCertificate = () => undefined
    expect(resolveMtls({ mode: 'required', getCertificate }, 'allowed')).toEqual({
      mode: 'required',
      getCertificate,
    })
    expect(resolveMtls({ mode: 'required' }, undefined)?.mode).toBe('required')
    expect(resolveMtls({ mode: 'disabled' }, 'required')).toBeUndefined()
  })

  it.each([
    ['mtls', null],
    ['mtls', 'required'],
    ['mtls', []],
    ['mtls.mode', { mode: 'on' }],
    ['mtls.mode', { mode: true }],
    ['mtls.getCertificate', { getCertificate: 'x-client-cert' }],
    ['mtls.getCertficate', { getCertficate: () => undefined }],
  ])('refuses %s = %p', (option, value) => {
    expectConfigError(() => resolveMtls(value, 'allowed'), option)
  })

  it('refuses requiring both bindings at once, naming mtls.mode', () => {
    expectConfigError(() => resolveMtls({ mode: 'required' }, 'required'), 'mtls.mode')
  })
})

describe('the mtls option of the authenticator', () => {
  it('is checked at start-up', () => {
    expectConfigError(() => make({ mtls: { mode: 'sometimes' } }), 'mtls.mode')
    expectConfigError(() => make({ dpop: { mode: 'required' }, mtls: { mode: 'required' } }), 'mtls.mode')
  })

  it('is allowed next to a shared verifier (a request option, not a verifier one)', async () => {
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: (await makeKey('ES256')).publicJwk,
    })
    expect(() => createAuthenticator({ verifier, mtls: { mode: 'required' } })).not.toThrow()
  })

  it('dpop disabled and mtls required is fine', () => {
    expect(() => make({ dpop: { mode: 'disabled' }, mtls: { mode: 'required' } })).not.toThrow()
  })
})
