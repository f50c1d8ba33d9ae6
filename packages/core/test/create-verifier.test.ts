import { beforeAll, describe, expect, it, jest } from '@jest/globals'
import {
  AuthError,
  createVerifier,
  type TokenHeader,
  type TokenPayload,
  type VerifierOptions,
} from '@tokenguard/core'
import { expectAuthError } from './support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/** The verifier itself: what it returns, `validate`, `isRevoked`, realm. */

let key: TestKey
let token: string
beforeAll(async () => {
  key = await makeKey('ES256')
  token = await sign(key, claims({ scope: 'read', nested: { a: [1] } }))
})

function verifier(options: Partial<VerifierOptions> = {}) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => NOW * 1000,
    ...options,
  })
}

describe('verify', () => {
  it('returns the payload, the protected header and the token, deeply frozen', async () => {
    const result = await verifier().verify(token)
    expect(result.token).toBe(token)
    expect(result.header).toEqual({ alg: 'ES256', kid: key.kid })
    expect(result.payload).toMatchObject({ iss: ISSUER, sub: 'user-1', scope: 'read' })
    expect(Object.isFrozen(result)).toBe(true)
    expect(Object.isFrozen(result.payload)).toBe(true)
    expect(Object.isFrozen((result.payload as { nested: { a: number[] } }).nested.a)).toBe(true)
  })

  it('exposes its realm and puts it into every challenge', async () => {
    const v = verifier({ realm: 'api' })
    expect(v.realm).toBe('api')
    const error = await expectAuthError(v.verify('x.y.z'), 'token_malformed')
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is malformed"',
    )
    expect(verifier().realm).toBeUndefined()
  })

  it('reports zero cache statistics when the cache is off', async () => {
    const v = verifier({ cache: false })
    await v.verify(token)
    await v.verify(token)
    expect(v.cacheStats()).toEqual({ hits: 0, misses: 0, size: 0, bytes: 0 })
  })
})

describe('validate', () => {
  it.each([
    ['true', () => true],
    ['an async true', async () => true],
  ])('accepts when it returns %s', async (_name, validate) => {
    await expect(verifier({ validate }).verify(token)).resolves.toBeDefined()
  })

  // Item 126: only `true` passes. A `Map.get` miss, a Redis SISMEMBER 0, a validator that only throws.
  it.each([
    ['false', () => false],
    ['an async false', async () => false],
    ['undefined', () => undefined],
    ['an async undefined', async () => undefined],
    ['null', () => null],
    ['0', () => 0],
    ['an async 0', async () => 0],
    ["''", () => ''],
    ['1', () => 1],
    ["'true'", () => 'true'],
    ['an object', () => ({ ok: true })],
    ['a promise of a promise-like', () => ({ then: (resolve: (v: unknown) => void) => resolve('yes') })],
  ])('rejects with claim_invalid when it returns %s', async (_name, validate) => {
    const v = verifier({ validate: validate as never })
    const error = await expectAuthError(v.verify(token), 'claim_invalid')
    expect(error.claim).toBe('validate')
    // The refusal is not cached as a pass: a second request is refused too.
    await expectAuthError(v.verify(token), 'claim_invalid')
    expect(v.cacheStats().size).toBe(0)
  })

  it('rejects with claim_invalid when it throws or rejects, keeping the error as cause', async () => {
    const boom = new Error('tenant disabled')
    for (const validate of [
      () => {
        throw boom
      },
      async () => Promise.reject(boom),
    ]) {
      const error = await expectAuthError(verifier({ validate }).verify(token), 'claim_invalid')
      expect(error.cause).toBe(boom)
      expect(error.message).not.toContain('tenant disabled')
    }
  })

  it('passes an AuthError it throws through unchanged (pinned)', async () => {
    const validate = () => {
      throw new AuthError('insufficient_scope', { scope: ['admin'] })
    }
    await expectAuthError(verifier({ validate }).verify(token), 'insufficient_scope')
  })

  it('receives the verified payload and header, only after the signature passed', async () => {
    const validate = jest.fn((_payload: TokenPayload, _header: TokenHeader) => true)
    const v = verifier({ validate })
    await v.verify(token)
    expect(validate).toHaveBeenCalledWith(
      expect.objectContaining({ sub: 'user-1' }),
      expect.objectContaining({ kid: key.kid }),
    )
    const [h, p] = token.split('.')
    await expectAuthError(v.verify(`${h}.${p}.${'A'.repeat(86)}`), 'signature_invalid')
    expect(validate).toHaveBeenCalledTimes(1)
  })

  it('runs once per token: its verdict is cached with the token', async () => {
    const validate = jest.fn(() => true)
    const v = verifier({ validate })
    await v.verify(token)
    await v.verify(token)
    expect(validate).toHaveBeenCalledTimes(1)
  })
})

describe('isRevoked', () => {
  it('rejects with token_revoked when it returns true, sync or async', async () => {
    await expectAuthError(verifier({ isRevoked: () => true }).verify(token), 'token_revoked')
    await expectAuthError(verifier({ isRevoked: async () => true }).verify(token), 'token_revoked')
  })

  it('accepts when it returns false', async () => {
    await expect(verifier({ isRevoked: async () => false }).verify(token)).resolves.toBeDefined()
  })

  it('answers 503 revocation_unavailable when it throws (never 401, never a pass)', async () => {
    const down = new Error('redis down')
    const error = await expectAuthError(
      verifier({
        isRevoked: () => {
          throw down
        },
      }).verify(token),
      'revocation_unavailable',
    )
    expect(error.cause).toBe(down)
    expect(error.headers).toEqual({ 'Retry-After': expect.any(String) })
    await expectAuthError(
      verifier({ isRevoked: () => Promise.reject(down) }).verify(token),
      'revocation_unavailable',
    )
  })

  it('runs on every verification, also when the token is served from the cache', async () => {
    let revoked = false
    const isRevoked = jest.fn(() => revoked)
    const v = verifier({ isRevoked })
    await v.verify(token)
    revoked = true
    await expectAuthError(v.verify(token), 'token_revoked')
    expect(isRevoked).toHaveBeenCalledTimes(2)
    expect(v.cacheStats().hits).toBe(1)
  })

  it('is not consulted for a token that fails verification', async () => {
    const isRevoked = jest.fn(() => false)
    await expectAuthError(
      verifier({ isRevoked }).verify(await sign(key, claims({ aud: 'other' }))),
      'claim_invalid',
    )
    expect(isRevoked).not.toHaveBeenCalled()
  })
})
