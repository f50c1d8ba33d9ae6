import { beforeAll, describe, expect, it, jest } from '@jest/globals'
import {
  createMemoryRevocationStore,
  createVerifier,
  type RevocationClaims,
  type RevocationStore,
  type VerifierOptions,
} from '@tokenguard/core'
import { expectAuthError, expectAuthErrorSync, expectConfigError } from '../support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/** The verifier with a `revocation` store: where it asks, what it requires, and how it fails. */

const HOUR = 3600
let key: TestKey
let token: string
beforeAll(async () => {
  key = await makeKey('ES256')
  token = await sign(key, claims({ jti: 'token-1' }))
})

function setup(options: Partial<VerifierOptions> = {}, maxTokenLifetime = HOUR) {
  let clock = NOW * 1000
  const now = () => clock
  const store = createMemoryRevocationStore({ now, maxTokenLifetime })
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now,
    revocation: store,
    ...options,
  })
  return { verifier, store, at: (seconds: number) => (clock = seconds * 1000) }
}

/** A store answering whatever `answer` returns, to test the verifier's side alone. */
function storeAnswering(answer: (claims: RevocationClaims) => unknown): RevocationStore {
  return {
    maxTokenLifetime: HOUR,
    revoke: async () => undefined,
    isRevoked: answer as RevocationStore['isRevoked'],
  }
}

describe('the revocation option', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'revocation'],
    ['a function', () => false, 'revocation'],
    ['an object without isRevoked', { revoke: async () => undefined, maxTokenLifetime: 60 }, 'revocation'],
    ['an object without revoke', { isRevoked: () => false, maxTokenLifetime: 60 }, 'revocation'],
    [
      'a store without maxTokenLifetime',
      { isRevoked: () => false, revoke: async () => undefined },
      'revocation.maxTokenLifetime',
    ],
    [
      'a store with maxTokenLifetime 0',
      { isRevoked: () => false, revoke: async () => undefined, maxTokenLifetime: 0 },
      'revocation.maxTokenLifetime',
    ],
  ])('refuses %s at creation, naming the option', (_name, revocation, option) => {
    expectConfigError(
      () => createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: key.publicJwk, revocation } as never),
      option,
    )
  })
})

describe('asking the store', () => {
  it('keeps a cache hit synchronous with a store that answers at once, and refuses it once revoked', async () => {
    const { verifier, store } = setup()
    const verified = await verifier.verifyNow(token)
    const hit = verifier.verifyNow(token)
    expect(hit).not.toBeInstanceOf(Promise)
    expect(hit).toBe(verified)
    await store.revoke({ jti: 'token-1', exp: NOW + 600 })
    const error = expectAuthErrorSync(() => verifier.verifyNow(token), 'token_revoked')
    expect(error.reason).toMatchObject({ check: 'revoked', actual: 'token-1', tokenId: expect.any(String) })
    expect(error.reason.message).toContain('"token-1"')
    expect(verifier.cacheStats()).toMatchObject({ hits: 2, misses: 1 })
    // A miss is refused too, after the full verification.
    await expectAuthError(setupWith(store).verify(token), 'token_revoked')
  })

  it('passes the verified claims to the store, and asks on every request', async () => {
    const isRevoked = jest.fn((_claims: RevocationClaims) => false)
    const { verifier } = setup({ revocation: storeAnswering(isRevoked) })
    const first = await verifier.verify(token)
    await verifier.verify(token)
    expect(isRevoked).toHaveBeenCalledTimes(2)
    expect(isRevoked.mock.calls[1]?.[0]).toBe(first.payload)
    expect(isRevoked.mock.calls[1]?.[0]).toMatchObject({
      iss: ISSUER,
      sub: 'user-1',
      jti: 'token-1',
      iat: NOW - 10,
      exp: NOW + 600,
    })
  })

  it('is not asked about a token that fails verification', async () => {
    const isRevoked = jest.fn(() => false)
    const { verifier } = setup({ revocation: storeAnswering(isRevoked) })
    await expectAuthError(verifier.verify(await sign(key, claims({ aud: 'other' }))), 'claim_invalid')
    await expectAuthError(verifier.verify(`${token.slice(0, -4)}AAAA`), 'signature_invalid')
    expect(isRevoked).not.toHaveBeenCalled()
  })

  it('waits for a store that answers with a promise or a thenable, and returns a native promise', async () => {
    let revoked = false
    for (const answer of [
      async () => revoked,
      () => ({ then: (resolve: (value: boolean) => void) => resolve(revoked) }),
    ]) {
      revoked = false
      const { verifier } = setup({ revocation: storeAnswering(answer) })
      await verifier.verify(token)
      const hit = verifier.verifyNow(token)
      expect(hit).toBeInstanceOf(Promise)
      await expect(hit).resolves.toMatchObject({ token })
      revoked = true
      const refused = verifier.verifyNow(token)
      expect(refused).toBeInstanceOf(Promise)
      const error = await expectAuthError(refused as Promise<unknown>, 'token_revoked')
      expect(error.reason.tokenId).toEqual(expect.any(String))
    }
  })

  it('answers 503 revocation_unavailable when the store throws or rejects, on a miss and on a hit', async () => {
    const down = new Error('store down')
    let failing = false
    const sync = setup({
      realm: 'api',
      revocation: storeAnswering(() => {
        if (failing) throw down
        return false
      }),
    }).verifier
    await sync.verify(token)
    failing = true
    const error = expectAuthErrorSync(() => sync.verifyNow(token), 'revocation_unavailable')
    expect(error.cause).toBe(down)
    expect(error.headers).toEqual({ 'Retry-After': expect.any(String) })
    expect(error.reason).toMatchObject({
      check: 'revocation',
      message: expect.stringContaining('store down'),
    })
    const rejecting = setup({ revocation: storeAnswering(() => Promise.reject(down)) }).verifier
    const rejected = await expectAuthError(rejecting.verify(token), 'revocation_unavailable')
    expect(rejected.cause).toBe(down)
    await expectAuthError(rejecting.verify(token), 'revocation_unavailable')
  })

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['0', 0],
    ['1', 1],
    ['"false"', 'false'],
    ['an object', {}],
  ])('answers 503, never a pass, when the store returns %s', async (_name, verdict) => {
    const { verifier } = setup({ revocation: storeAnswering(() => verdict) })
    const error = await expectAuthError(verifier.verify(token), 'revocation_unavailable')
    expect(error.reason.check).toBe('revocation')
    const later = setup({ revocation: storeAnswering(async () => verdict) }).verifier
    await expectAuthError(later.verify(token), 'revocation_unavailable')
  })

  it('runs the isRevoked hook as well: the store first, then the hook', async () => {
    const hook = jest.fn(() => false)
    const { verifier, store } = setup({ isRevoked: hook })
    await verifier.verify(token)
    expect(hook).toHaveBeenCalledTimes(1)
    hook.mockReturnValue(true)
    const byHook = await expectAuthError(verifier.verify(token), 'token_revoked')
    expect(byHook.reason.message).toBe('isRevoked returned true')
    await store.revoke({ jti: 'token-1', exp: NOW + 600 })
    const byStore = await expectAuthError(verifier.verify(token), 'token_revoked')
    expect(byStore.reason.message).toContain('revocation store')
    expect(hook).toHaveBeenCalledTimes(2)
  })
})

/** Another verifier on the same store, with an empty cache. */
function setupWith(store: RevocationStore) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => NOW * 1000,
    revocation: store,
  })
}

describe('token lifetime while a store is configured', () => {
  it('accepts exp − iat up to maxTokenLifetime and refuses one second more', async () => {
    const { verifier } = setup()
    const longest = await sign(key, claims({ iat: NOW - 10, exp: NOW - 10 + HOUR }))
    await expect(verifier.verify(longest)).resolves.toMatchObject({ token: longest })
    const error = await expectAuthError(
      verifier.verify(await sign(key, claims({ iat: NOW - 10, exp: NOW - 9 + HOUR }))),
      'claim_invalid',
    )
    expect(error.claim).toBe('exp')
    expect(error.reason).toMatchObject({ check: 'claim', expected: HOUR, actual: HOUR + 1 })
    // Not a rule without a store.
    const plain = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => NOW * 1000,
    })
    await plain.verify(await sign(key, claims({ iat: NOW - 10, exp: NOW - 9 + HOUR })))
  })

  it('refuses a token without iat, or without exp when requiredClaims allows it', async () => {
    const { verifier } = setup({ requiredClaims: [] })
    const noIat = await expectAuthError(
      verifier.verify(await sign(key, claims({ iat: undefined }))),
      'claim_invalid',
    )
    expect(noIat).toMatchObject({ claim: 'iat', reason: { check: 'claim' } })
    const noExp = await expectAuthError(
      verifier.verify(await sign(key, claims({ exp: undefined }))),
      'claim_invalid',
    )
    expect(noExp).toMatchObject({ claim: 'exp', reason: { check: 'claim' } })
  })

  it('refuses an exp far in the future, whatever the iat', async () => {
    const { verifier } = setup({}, 86_400)
    for (const exp of [NOW + 86_400 + 1, 2 ** 53 - 1, NOW * 1000])
      await expectAuthError(verifier.verify(await sign(key, claims({ exp }))), 'claim_invalid')
  })
})
