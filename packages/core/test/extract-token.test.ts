import { describe, expect, it } from '@jest/globals'
import { extractToken, type ExtractTokenOptions, type HeadersLike } from '@tokenguard/core'
import { expectAuthErrorSync } from './support/expect-error.js'

/** Finding the bearer token of a request (RFC 6750 §2): header, opt-in cookie and query, one place only. */

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln'

const extract = (headers: HeadersLike, options?: ExtractTokenOptions) => extractToken(headers, options)
const invalid = (headers: HeadersLike, options?: ExtractTokenOptions) =>
  expectAuthErrorSync(() => extractToken(headers, options), 'invalid_request')

describe('Authorization header', () => {
  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme %s (case-insensitive)', (scheme) => {
    expect(extract({ authorization: `${scheme} ${TOKEN}` })).toBe(TOKEN)
  })

  it('accepts every b64token character and trailing = (RFC 6750 §2.1)', () => {
    expect(extract({ authorization: 'Bearer aZ09-._~+/==' })).toBe('aZ09-._~+/==')
  })

  it('accepts several spaces after the scheme (1*SP)', () => {
    expect(extract({ authorization: `Bearer   ${TOKEN}` })).toBe(TOKEN)
  })

  it.each([
    [{}],
    [{ authorization: '' }],
    [{ authorization: undefined }],
    [{ authorization: [] as string[] }],
  ])('returns undefined without credentials %j', (headers) => {
    expect(extract(headers)).toBeUndefined()
  })

  it.each(['Basic dXNlcjpwYXNz', 'Digest username="u"', 'DPoP abc', 'Bearerx abc', 'Token abc'])(
    'returns undefined for another scheme: %s',
    (authorization) => {
      expect(extract({ authorization })).toBeUndefined()
    },
  )

  it.each([
    'Bearer',
    'Bearer ',
    'Bearer  ',
    'Bearer a b',
    'Bearer a,b',
    'Bearer "abc"',
    'Bearer a\tb',
    'Bearer =abc',
    `Bearer ${TOKEN} `,
    'Bearer\tabc',
  ])('answers %j with invalid_request', (authorization) => {
    invalid({ authorization })
  })

  it('carries the realm in the 400 challenge', () => {
    const error = invalid({ authorization: 'Bearer' }, { realm: 'api' })
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_request"/)
  })
})

describe('repeated Authorization headers', () => {
  it('refuses two of them seen through rawHeaders (Node keeps only the first in headers)', () => {
    const rawHeaders = ['Host', 'x', 'Authorization', `Bearer ${TOKEN}`, 'authorization', 'Bearer other']
    invalid({ authorization: `Bearer ${TOKEN}` }, { rawHeaders })
  })

  it('accepts one in rawHeaders', () => {
    const rawHeaders = ['Host', 'x', 'Authorization', `Bearer ${TOKEN}`]
    expect(extract({ authorization: `Bearer ${TOKEN}` }, { rawHeaders })).toBe(TOKEN)
  })

  it('refuses an array value with two entries and takes a single-entry array', () => {
    invalid({ authorization: [`Bearer ${TOKEN}`, 'Bearer other'] })
    expect(extract({ authorization: [`Bearer ${TOKEN}`] })).toBe(TOKEN)
  })

  it('reads a Fetch Headers object, where repeats are joined with a comma', () => {
    expect(extract(new Headers({ Authorization: `Bearer ${TOKEN}` }))).toBe(TOKEN)
    expect(extract(new Headers())).toBeUndefined()
    const both = new Headers()
    both.append('authorization', `Bearer ${TOKEN}`)
    both.append('authorization', 'Bearer other')
    invalid(both)
  })
})

describe('cookie (opt-in)', () => {
  it('is ignored unless configured', () => {
    expect(extract({ cookie: `access_token=${TOKEN}` })).toBeUndefined()
  })

  it('reads the named cookie among others', () => {
    expect(extract({ cookie: `a=1; access_token=${TOKEN}; b=2` }, { cookie: 'access_token' })).toBe(TOKEN)
    expect(extract({ cookie: 'a=1' }, { cookie: 'access_token' })).toBeUndefined()
    expect(extract({ cookie: 'access_token=' }, { cookie: 'access_token' })).toBeUndefined()
    expect(extract({}, { cookie: 'access_token' })).toBeUndefined()
  })

  it('matches the cookie name exactly', () => {
    expect(
      extract({ cookie: `xaccess_token=${TOKEN}; access_tokenx=1` }, { cookie: 'access_token' }),
    ).toBeUndefined()
    expect(extract({ cookie: `access_token; access_token=${TOKEN}` }, { cookie: 'access_token' })).toBe(TOKEN)
    expect(extract({ cookie: `access_tokenx; access_token=${TOKEN}` }, { cookie: 'access_token' })).toBe(
      TOKEN,
    )
  })

  it('refuses the cookie twice', () => {
    invalid({ cookie: `access_token=${TOKEN}; access_token=other` }, { cookie: 'access_token' })
  })
})

describe('query (opt-in)', () => {
  it('is ignored unless configured', () => {
    expect(extract({}, { url: `/x?access_token=${TOKEN}` })).toBeUndefined()
  })

  it('reads the named parameter of the URL', () => {
    const options = { query: 'access_token', url: `/x?a=1&access_token=${TOKEN}` }
    expect(extract({}, options)).toBe(TOKEN)
    expect(extract({}, { query: 'access_token', url: '/x?access_token=' })).toBeUndefined()
    expect(extract({}, { query: 'access_token', url: '/x' })).toBeUndefined()
    expect(extract({}, { query: 'access_token' })).toBeUndefined()
  })

  it('refuses the parameter twice', () => {
    invalid({}, { query: 'access_token', url: `/x?access_token=${TOKEN}&access_token=${TOKEN}` })
  })

  it('answers an unparsable request URL with invalid_request, not a raw TypeError', () => {
    invalid({}, { query: 'access_token', url: '//' })
  })
})

describe('one place only (RFC 6750 §2)', () => {
  const options = { cookie: 'access_token', query: 'access_token', url: `/x?access_token=${TOKEN}` }

  it.each([
    ['header and query', { authorization: `Bearer ${TOKEN}` }, options],
    [
      'header and cookie',
      { authorization: `Bearer ${TOKEN}`, cookie: `access_token=${TOKEN}` },
      { cookie: 'access_token' },
    ],
    ['cookie and query', { cookie: `access_token=${TOKEN}` }, options],
  ])('refuses a token in %s', (_name, headers, extra) => {
    invalid(headers as HeadersLike, extra)
  })

  it('takes the one source present', () => {
    expect(extract({ cookie: `access_token=${TOKEN}` }, { ...options, url: '/x' })).toBe(TOKEN)
  })
})
