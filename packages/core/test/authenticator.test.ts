import { beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, createVerifier, type AuthenticatorOptions } from '@tokenguard/core'
import { withDpop } from './support/challenge.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

interface FakeRequest {
  token?: string | null
}

let key: TestKey
let token: string
beforeAll(async () => {
  key = await makeKey('ES256')
  token = await sign(key, claims())
})

const base = () => ({ issuer: ISSUER, audience: AUDIENCE, keys: key.publicJwk, now: () => NOW * 1000 })
const make = (extra: Partial<AuthenticatorOptions<FakeRequest>> = {}) =>
  createAuthenticator<FakeRequest>({ ...base(), ...extra } as AuthenticatorOptions<FakeRequest>)
const get = (headers: Record<string, string | string[]> = {}, more: Record<string, unknown> = {}) => ({
  method: 'GET',
  headers,
  ...more,
})

describe('createAuthenticator', () => {
  it('verifies the bearer token of the Authorization header', async () => {
    const auth = await make().authenticate({}, get({ authorization: `Bearer ${token}` }))
    expect(auth?.payload.sub).toBe('user-1')
  })

  it('rejects a request without a token with bare challenges carrying the realm', async () => {
    // DPoP is allowed by default: the Bearer challenge, then the DPoP one with its algorithms.
    await expect(make({ realm: 'api' }).authenticate({}, get())).rejects.toMatchObject({
      code: 'credentials_required',
      status: 401,
      headers: { 'WWW-Authenticate': withDpop('Bearer realm="api"', 'api') },
    })
    await expect(
      make({ realm: 'api', dpop: { mode: 'disabled' } }).authenticate({}, get()),
    ).rejects.toMatchObject({ headers: { 'WWW-Authenticate': 'Bearer realm="api"' } })
  })

  it('lets a request without a token through with credentialsRequired: false, but not a bad token', async () => {
    const authenticator = make({ credentialsRequired: false })
    await expect(authenticator.authenticate({}, get())).resolves.toBeNull()
    await expect(authenticator.authenticate({}, get({ authorization: 'Basic abc' }))).resolves.toBeNull()
    await expect(
      authenticator.authenticate({}, get({ authorization: `Bearer ${token}x` })),
    ).rejects.toMatchObject({ status: 401, error: 'invalid_token' })
    await expect(authenticator.authenticate({}, get({ authorization: 'Bearer a b' }))).rejects.toMatchObject({
      code: 'invalid_request',
    })
  })

  it('detects a repeated Authorization header through rawHeaders', async () => {
    const value = `Bearer ${token}`
    const facts = get(
      { authorization: value },
      { rawHeaders: ['Authorization', value, 'authorization', value] },
    )
    await expect(make().authenticate({}, facts)).rejects.toMatchObject({
      code: 'invalid_request',
      status: 400,
    })
  })

  it('challenges CORS preflights by default: a forged one is only two header values', async () => {
    const preflight = { method: 'OPTIONS', headers: { 'access-control-request-method': 'GET' } }
    await expect(make().authenticate({}, preflight)).rejects.toMatchObject({ code: 'credentials_required' })
    expect(() => make().authenticateNow({}, preflight)).toThrow(
      expect.objectContaining({ code: 'credentials_required' }),
    )
    await expect(make({ allowPreflight: false }).authenticate({}, preflight)).rejects.toMatchObject({
      code: 'credentials_required',
    })
    // A preflight carrying a token is verified like any request.
    const withToken = { ...preflight, headers: { ...preflight.headers, authorization: `Bearer ${token}` } }
    await expect(make().authenticate({}, withToken)).resolves.toMatchObject({ token })
  })

  it('lets true CORS preflights through without a token only with allowPreflight: true', async () => {
    const allowing = make({ allowPreflight: true })
    const preflight = { method: 'OPTIONS', headers: { 'access-control-request-method': 'GET' } }
    await expect(allowing.authenticate({}, preflight)).resolves.toBeNull()
    expect(allowing.authenticateNow({}, preflight)).toBeNull()
    const fetchHeaders = new Headers({ 'Access-Control-Request-Method': 'POST' })
    await expect(allowing.authenticate({}, { method: 'OPTIONS', headers: fetchHeaders })).resolves.toBeNull()
    // Not a preflight: no Access-Control-Request-Method, or another method (case-sensitive, RFC 9110 §9.1).
    const notPreflights = [
      { method: 'OPTIONS', headers: {} },
      { method: 'OPTIONS', headers: new Headers() },
      { method: 'options', headers: { 'access-control-request-method': 'GET' } },
      { method: 'Options', headers: { 'access-control-request-method': 'GET' } },
      { method: 'GET', headers: { 'access-control-request-method': 'GET' } },
      { method: 'HEAD', headers: { 'access-control-request-method': 'GET' } },
      {
        method: 'POST',
        headers: { 'access-control-request-method': 'GET', 'x-http-method-override': 'OPTIONS' },
      },
    ]
    for (const facts of notPreflights)
      await expect(allowing.authenticate({}, facts)).rejects.toMatchObject({ code: 'credentials_required' })
  })

  it('reads cookies and query parameters when asked, and refuses two sources', async () => {
    const fromCookie = make({ cookie: 'at' })
    await expect(fromCookie.authenticate({}, get({ cookie: `at=${token}` }))).resolves.toMatchObject({
      token,
    })
    const fromQuery = make({ query: 'access_token' })
    await expect(
      fromQuery.authenticate({}, get({}, { url: `/x?access_token=${token}` })),
    ).resolves.toMatchObject({
      token,
    })
    await expect(
      fromQuery.authenticate(
        {},
        get({ authorization: `Bearer ${token}` }, { url: `/x?access_token=${token}` }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_request' })
  })

  it('uses getToken instead of the headers, sync or async', async () => {
    const sync = make({ getToken: (req) => req.token })
    await expect(sync.authenticate({ token }, get())).resolves.toMatchObject({ token })
    await expect(
      sync.authenticate({ token: null }, get({ authorization: `Bearer ${token}` })),
    ).rejects.toMatchObject({
      code: 'credentials_required',
    })
    const asyncGetter = make({ getToken: async (req) => req.token ?? '' })
    await expect(asyncGetter.authenticate({ token }, get())).resolves.toMatchObject({ token })
    await expect(asyncGetter.authenticate({}, get())).rejects.toMatchObject({ code: 'credentials_required' })
  })

  it('shares a ready-made verifier', async () => {
    const verifier = createVerifier(base())
    const authenticator = createAuthenticator({ verifier, credentialsRequired: true })
    expect(authenticator.verifier).toBe(verifier)
    expect(authenticator.realm).toBeUndefined()
    await authenticator.authenticate({}, get({ authorization: `Bearer ${token}` }))
    await createAuthenticator({ verifier }).authenticate({}, get({ authorization: `Bearer ${token}` }))
    expect(verifier.cacheStats()).toMatchObject({ hits: 1, misses: 1 })
  })

  it.each([
    [{ credentialsRequired: 'yes' }, 'credentialsRequired'],
    [{ allowPreflight: 1 }, 'allowPreflight'],
    [{ getToken: 'header' }, 'getToken'],
    [{ cookie: '' }, 'cookie'],
    [{ query: 5 }, 'query'],
    [{ getToken: () => '', cookie: 'at' }, 'cookie'],
    [{ getToken: () => '', query: 'at' }, 'query'],
    [{ unknown: true }, 'unknown'],
    [{ issuer: undefined }, 'issuer'],
  ])('throws a ConfigError naming the option for %p', (extra, name) => {
    expect(() => make(extra as never)).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => make(extra as never)).toThrow(`"${name}"`)
  })

  it('checks the verifier option', () => {
    const verifier = createVerifier(base())
    expect(() => createAuthenticator({ verifier: {} as never })).toThrow('"verifier"')
    expect(() => createAuthenticator({ verifier: null as never })).toThrow('"verifier"')
    expect(() => createAuthenticator({ verifier, issuer: ISSUER } as never)).toThrow('"issuer"')
    expect(() => createAuthenticator(null as never)).toThrow('"options"')
  })
})
