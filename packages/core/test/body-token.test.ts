import { beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, type AuthenticatorOptions, type RequestFacts } from '@tokenguard/core'
import { expectAuthError, expectConfigError } from './support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/** RFC 6750 §2.2: a token in an `application/x-www-form-urlencoded` body, opt-in with `body`. */

let key: TestKey
let token: string
beforeAll(async () => {
  key = await makeKey('ES256')
  token = await sign(key, claims())
})

const make = (extra: Partial<AuthenticatorOptions<object>> = {}) =>
  createAuthenticator<object>({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => NOW * 1000,
    body: 'access_token',
    ...extra,
  } as AuthenticatorOptions<object>)

const FORM = 'application/x-www-form-urlencoded'
const post = (body: unknown, headers: Record<string, string> = { 'content-type': FORM }, method = 'POST') =>
  ({ method, headers, body }) as RequestFacts

describe('body', () => {
  it('reads the token from a form body', async () => {
    const auth = await make().authenticate({}, post({ access_token: token }))
    expect(auth?.payload.sub).toBe('user-1')
    // A charset parameter and any case of the media type are still a form body.
    const charset = post(
      { access_token: token },
      { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=utf-8' },
    )
    expect((await make().authenticate({}, charset))?.token).toBe(token)
    // One-element arrays (parsers that always collect) count as one value.
    expect((await make().authenticate({}, post({ access_token: [token] })))?.token).toBe(token)
  })

  it('is off by default', async () => {
    await expectAuthError(
      make({ body: undefined }).authenticate({}, post({ access_token: token })),
      'credentials_required',
    )
  })

  it.each(['GET', 'HEAD', 'get'])('never reads the body of a %s request', async (method) => {
    await expectAuthError(
      make().authenticate({}, post({ access_token: token }, undefined, method)),
      'credentials_required',
    )
  })

  it.each([
    ['application/json'],
    ['multipart/form-data; boundary=x'],
    ['application/x-www-form-urlencodedx'],
    [''],
  ])('ignores a body of type %j', async (type) => {
    const headers: Record<string, string> = type === '' ? {} : { 'content-type': type }
    await expectAuthError(
      make().authenticate({}, post({ access_token: token }, headers)),
      'credentials_required',
    )
  })

  it('answers 400 for a token in the header and the body', async () => {
    const facts = post({ access_token: token }, { 'content-type': FORM, authorization: `Bearer ${token}` })
    const error = await expectAuthError(make().authenticate({}, facts), 'invalid_request')
    expect(error.reason?.check).toBe('request')
  })

  it('answers 400 for a token in the query and the body', async () => {
    const facts = { ...post({ access_token: token }), url: `/x?access_token=${token}` }
    await expectAuthError(make({ query: 'access_token' }).authenticate({}, facts), 'invalid_request')
  })

  it('answers 400 for a repeated or non-string field', async () => {
    await expectAuthError(make().authenticate({}, post({ access_token: [token, token] })), 'invalid_request')
    await expectAuthError(make().authenticate({}, post({ access_token: { a: token } })), 'invalid_request')
  })

  it('reads own fields only and treats an empty field as no token', async () => {
    await expectAuthError(make({ body: 'toString' }).authenticate({}, post({})), 'credentials_required')
    await expectAuthError(make().authenticate({}, post({ access_token: '' })), 'credentials_required')
  })

  it('bounds the token with maxTokenLength', async () => {
    const facts = post({ access_token: 'a'.repeat(100) })
    await expectAuthError(make({ maxTokenLength: 64 }).authenticate({}, facts), 'token_malformed')
  })

  it('fails loudly (not 401) when a form request reaches it unparsed', async () => {
    for (const body of [undefined, 'access_token=x', null, ['x']]) {
      const error = await make()
        .authenticate({}, post(body))
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect(error).not.toHaveProperty('status')
      expect((error as Error).name).toBe('UnparsedBodyError')
    }
  })

  it('says whether the adapter must supply the body', () => {
    expect(make().readsBody).toBe(true)
    expect(make({ body: undefined }).readsBody).toBe(false)
  })

  it('is checked at start-up', () => {
    expectConfigError(() => make({ body: '' }), 'body')
    expectConfigError(() => make({ body: 1 as never }), 'body')
    expectConfigError(() => make({ getToken: () => token }), 'body')
  })
})
