import { describe, expect, it } from '@jest/globals'
import { createAuthenticator, type AuthenticatorOptions } from '@tokenguard/core'
import { resolveDpop, resolvePublicOrigin } from '../../src/dpop/dpop-options.js'
import { expectConfigError } from '../support/expect-error.js'
import { AUDIENCE, ISSUER } from '../support/keys.js'

describe('resolveDpop', () => {
  it('defaults: allowed, the asymmetric algorithms, 300 s, 30 s, no nonce, a memory store', () => {
    const dpop = resolveDpop(undefined)
    expect(dpop).toMatchObject({ mode: 'allowed', maxAge: 300, clockTolerance: 30, nonces: undefined })
    expect(dpop?.algorithms).toContain('ES256')
    expect(dpop?.algorithms).not.toContain('HS256')
    expect(dpop?.replayTtlMs).toBe(360_000)
    expect(dpop?.replayStore.useOnce('a', 10)).toBe(true)
  })

  it('disabled is no DPoP at all', () => {
    expect(resolveDpop({ mode: 'disabled' })).toBeUndefined()
  })

  it('keeps what was configured', () => {
    const replayStore = { useOnce: () => true }
    const dpop = resolveDpop({
      mode: 'required',
      algorithms: ['ES256', 'ES256', 'EdDSA'],
      maxAge: 60,
      clockTolerance: 0,
      nonce: { secret: 'x'.repeat(32), lifetime: 60 },
      replayStore,
    })
    expect(dpop).toMatchObject({ mode: 'required', algorithms: ['ES256', 'EdDSA'], maxAge: 60, replayStore })
    expect(dpop?.replayTtlMs).toBe(60_000)
    expect(dpop?.nonces?.current(0)).toMatch(/^[\w-]{43}$/)
  })

  it.each([
    ['dpop', null],
    ['dpop', []],
    ['dpop.mod', { mod: 'required' }],
    ['dpop.mode', { mode: 'on' }],
    ['dpop.algorithms', { algorithms: [] }],
    ['dpop.algorithms', { algorithms: 'ES256' }],
    ['dpop.algorithms', { algorithms: ['HS256'] }],
    ['dpop.algorithms', { algorithms: ['none'] }],
    ['dpop.maxAge', { maxAge: 0 }],
    ['dpop.maxAge', { maxAge: 3601 }],
    ['dpop.maxAge', { maxAge: '300' }],
    ['dpop.clockTolerance', { clockTolerance: -1 }],
    ['dpop.nonce', { nonce: 'secret' }],
    ['dpop.nonce.secrets', { nonce: { secrets: 'x'.repeat(32) } }],
    ['dpop.nonce.secret', { nonce: { secret: 'short' } }],
    ['dpop.replayStore', { replayStore: {} }],
    ['dpop.replayStore', { replayStore: null }],
    ['dpop.replayStore', { mode: 'disabled', replayStore: { useOnce: 1 } }],
  ])('refuses a bad %s', (option, dpop) => {
    expectConfigError(() => resolveDpop(dpop), option)
  })
})

describe('resolvePublicOrigin', () => {
  it.each([
    [undefined, undefined],
    ['https://api.example.com', 'https://api.example.com'],
    ['https://API.example.com:443/', 'https://api.example.com'],
    ['https://example.com/api/', 'https://example.com/api'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
  ])('%s → %s', (value, origin) => {
    expect(resolvePublicOrigin(value)).toBe(origin)
  })

  it.each([
    ['a relative URL', '/api'],
    ['another scheme', 'ftp://api.example.com'],
    ['a non-string', 42],
    ['a query', 'https://api.example.com/?a=1'],
    ['an empty query', 'https://api.example.com/?'],
    ['a fragment', 'https://api.example.com/#x'],
    ['credentials', 'https://u:p@api.example.com'],
  ])('refuses %s', (_, value) => {
    expectConfigError(() => resolvePublicOrigin(value), 'publicOrigin')
  })
})

describe('dpop options of the authenticator', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE, secret: 'x'.repeat(32), algorithms: ['HS256'] }
  const make = (extra: Record<string, unknown>) =>
    createAuthenticator({ ...base, ...extra } as AuthenticatorOptions<unknown>)

  it.each(['cookie', 'query', 'body'])(
    'refuses %s with mode "required" (DPoP tokens travel in Authorization)',
    (source) => {
      expectConfigError(() => make({ dpop: { mode: 'required' }, [source]: 'access_token' }), source)
    },
  )

  it('refuses getToken with mode "required"', () => {
    expectConfigError(() => make({ dpop: { mode: 'required' }, getToken: () => undefined }), 'getToken')
  })

  it('allows the other sources in mode "allowed"', () => {
    expect(() => make({ cookie: 'at', query: 'access_token' })).not.toThrow()
  })

  it('are allowed next to a shared verifier', async () => {
    const { createVerifier } = await import('@tokenguard/core')
    const verifier = createVerifier(base as never)
    const authenticator = createAuthenticator({
      verifier,
      dpop: { mode: 'required' },
      publicOrigin: 'https://a.example',
    })
    expect(authenticator.challenge).toMatchObject({ bearer: false, dpopAlgorithms: expect.any(Array) })
  })

  it('publish the challenge: Bearer only when disabled', () => {
    expect(make({ dpop: { mode: 'disabled' }, realm: 'api' }).challenge).toEqual({ realm: 'api' })
  })
})
