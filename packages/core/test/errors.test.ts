import { describe, expect, it } from '@jest/globals'
import { inspect } from 'node:util'
import { AuthError, ConfigError, createVerifier, isAuthError, type AuthErrorCode } from '@tokenguard/core'
import { expectAuthError } from './support/expect-error.js'
import { AUDIENCE, ISSUER, makeKey, NOW, claims, sign } from './support/keys.js'

/** AuthError (RFC 6750 §3.1 mapping) and ConfigError, and how anything thrown while verifying is mapped. */

const INVALID_TOKEN: AuthErrorCode[] = [
  'token_malformed',
  'algorithm_not_allowed',
  'key_not_found',
  'signature_invalid',
  'token_expired',
  'token_not_yet_valid',
  'claim_invalid',
  'token_revoked',
  'binding_unverified',
]

describe('AuthError', () => {
  it('is an Error named AuthError with a stable code', () => {
    const error = new AuthError('token_expired')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('AuthError')
    expect(error.code).toBe('token_expired')
    expect(error.stack).toBeDefined()
  })

  it('answers a missing token with 401 and a bare challenge', () => {
    const error = new AuthError('credentials_required')
    expect(error).toMatchObject({ status: 401, statusCode: 401, expose: true, error: undefined })
    expect(error.headers).toEqual({ 'WWW-Authenticate': 'Bearer' })
  })

  it.each(INVALID_TOKEN)('answers %s with 401 invalid_token', (code) => {
    const error = new AuthError(code)
    expect(error).toMatchObject({ status: 401, statusCode: 401, expose: true, error: 'invalid_token' })
    expect(error.headers['WWW-Authenticate']).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+"$/,
    )
  })

  it('answers invalid_request with 400', () => {
    const error = new AuthError('invalid_request', { realm: 'api' })
    expect(error).toMatchObject({ status: 400, statusCode: 400, expose: true, error: 'invalid_request' })
    expect(error.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="api", error="invalid_request", error_description="[^"]+"$/,
    )
  })

  it('answers insufficient_scope with 403 and the needed scopes', () => {
    const error = new AuthError('insufficient_scope', { scope: ['read', 'write'], realm: 'api' })
    expect(error).toMatchObject({
      status: 403,
      statusCode: 403,
      expose: true,
      error: 'insufficient_scope',
      scope: ['read', 'write'],
    })
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the required permissions", scope="read write"',
    )
  })

  it.each(['keys_unavailable', 'revocation_unavailable'] as const)(
    'answers %s with 503, Retry-After and no challenge',
    (code) => {
      const error = new AuthError(code, { realm: 'api' })
      expect(error).toMatchObject({ status: 503, statusCode: 503, expose: false, error: undefined })
      expect(error.headers).toEqual({ 'Retry-After': '5' })
    },
  )

  it('keeps the cause and the claim, never in the message', () => {
    const cause = new Error('exp 12345 < now')
    const error = new AuthError('claim_invalid', { cause, claim: 'exp' })
    expect(error.cause).toBe(cause)
    expect(error.claim).toBe('exp')
    expect(error.message).not.toContain('12345')
    expect(error.message).not.toContain('exp')
  })

  it('withRealm copies code, cause, claim and scope into a challenge with the realm', () => {
    const cause = new Error('x')
    const scoped = new AuthError('insufficient_scope', { cause, scope: ['read'] }).withRealm('api')
    expect(scoped).toMatchObject({ code: 'insufficient_scope', cause, scope: ['read'] })
    expect(scoped.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", .*scope="read"$/)
    const claim = new AuthError('claim_invalid', { claim: 'aud' }).withRealm('api')
    expect(claim.claim).toBe('aud')
    const same = new AuthError('token_expired')
    expect(same.withRealm(undefined)).toBe(same)
  })
})

/** A rejection is an expected outcome: 4xx errors carry no stack frames, 503s keep theirs. */
describe('stack frames', () => {
  const REJECTIONS: AuthErrorCode[] = [
    'credentials_required',
    'invalid_request',
    ...INVALID_TOKEN,
    'insufficient_scope',
  ]
  const FRAME = /\n\s+at /

  it.each(REJECTIONS)('%s has a one-line stack and prints as one line', (code) => {
    const error = new AuthError(code)
    expect(error.stack).toBe(`AuthError: ${error.message}`)
    expect(inspect(error)).toBe(`AuthError [${code}]: ${error.message} (${error.reason.message})`)
  })

  it('keeps the cause, with its own stack, and names the failed claim', () => {
    const cause = new Error('jose said no')
    const error = new AuthError('claim_invalid', { cause, claim: 'aud' })
    expect(error.cause).toBe(cause)
    expect(cause.stack).toMatch(FRAME)
    expect(error.stack).not.toMatch(FRAME)
    expect(inspect(error)).toBe(`AuthError [claim_invalid]: ${error.message} (claim "aud" is invalid)`)
  })

  it('a copy with a realm has no frames either', () => {
    const error = new AuthError('insufficient_scope', { scope: ['read'] }).withRealm('api')
    expect(error.stack).toBe(`AuthError: ${error.message}`)
    expect(inspect(error)).not.toContain('\n')
  })

  it.each(['keys_unavailable', 'revocation_unavailable'] as const)(
    '%s keeps its stack and full inspection for operators',
    (code) => {
      const cause = new Error('connect ECONNREFUSED')
      const error = new AuthError(code, { cause })
      expect(error.stack).toMatch(new RegExp(`^AuthError: ${error.message}\n\\s+at `))
      const printed = inspect(error)
      expect(printed).toMatch(FRAME)
      expect(printed).toContain(`code: '${code}'`)
      expect(printed).toContain('[cause]: Error: connect ECONNREFUSED')
    },
  )

  it('leaves other errors their frames', () => {
    const limit = Error.stackTraceLimit
    new AuthError('token_expired')
    expect(Error.stackTraceLimit).toBe(limit)
    expect(new Error('unrelated').stack).toMatch(FRAME)
  })

  it('rejections from a verifier have no frames', async () => {
    const key = await makeKey('ES256')
    const v = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: key.publicJwk, realm: 'api' })
    const error = await expectAuthError(v.verify(await sign(key, claims({ exp: 1 }))), 'token_expired')
    expect(error.stack).toBe(`AuthError: ${error.message}`)
  })

  it('drops the frames where Error.stackTraceLimit is frozen', () => {
    const descriptor = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit') as PropertyDescriptor
    Object.defineProperty(Error, 'stackTraceLimit', { ...descriptor, writable: false })
    try {
      const error = new AuthError('token_expired')
      expect(error.stack).toBe(`AuthError: ${error.message}`)
      expect(Error.stackTraceLimit).toBe(descriptor.value)
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', descriptor)
    }
  })
})

describe('isAuthError', () => {
  it('recognises AuthError, also from another copy of the package', () => {
    expect(isAuthError(new AuthError('token_expired'))).toBe(true)
    const copy = Object.assign(new Error('x'), { name: 'AuthError', code: 'token_expired' })
    expect(isAuthError(copy)).toBe(true)
  })

  it.each([
    [new Error('x')],
    [new TypeError('x')],
    [{ name: 'AuthError', code: 'x' }],
    [null],
    ['AuthError'],
  ])('rejects %p', (value) => {
    expect(isAuthError(value)).toBe(false)
  })
})

describe('ConfigError', () => {
  it('is a TypeError naming the option', () => {
    const error = new ConfigError('jwks.timeout', 'must be positive')
    expect(error).toBeInstanceOf(TypeError)
    expect(error.name).toBe('ConfigError')
    expect(error.message).toContain('"jwks.timeout"')
  })
})

describe('mapping what verification throws', () => {
  it('keeps the jose error as cause', async () => {
    const key = await makeKey('ES256')
    const other = await makeKey('ES256')
    const v = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => NOW * 1000,
    })
    // jose's key selection finds no key for this kid.
    const error = await expectAuthError(v.verify(await sign(other, claims())), 'key_not_found')
    expect(error.cause).toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
  })

  it.each([
    ['NaN', Number.NaN],
    ['undefined', undefined],
    ['a Date', new Date(NOW * 1000)],
  ])(
    'refuses every token with a ConfigError naming now when now() returns %s, also one served from the cache',
    async (_name, value) => {
      const key = await makeKey('ES256')
      let clock: unknown = NOW * 1000
      const v = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: key.publicJwk,
        now: () => clock as number,
      })
      const cached = await sign(key, claims())
      await v.verify(cached)
      clock = value
      // Every comparison with NaN is false: without the guard an expired token would pass. A broken clock
      // is the server's fault: a ConfigError (a 500 with its stack), never a 401 that blames the token.
      await expect(v.verify(await sign(key, claims({ exp: NOW - 3600 })))).rejects.toThrow(ConfigError)
      await expect(v.verify(cached)).rejects.toThrow(/"now"/)
    },
  )

  it.each([
    ['a TypeError', () => new TypeError('Invalid currentDate')],
    ['a DOMException', () => new DOMException('Invalid keyData', 'DataError')],
    ['a string', () => 'boom'],
  ])('maps %s thrown while verifying to 401 invalid_token, never a raw throw', async (_name, make) => {
    const key = await makeKey('ES256')
    const thrown = make()
    const v = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => {
        throw thrown
      },
    })
    const error = await v.verify(await sign(key, claims())).catch((e: unknown) => e)
    expect(isAuthError(error)).toBe(true)
    expect(error).toMatchObject({ status: 401, error: 'invalid_token', cause: thrown })
  })
})
