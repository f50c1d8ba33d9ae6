import { beforeAll, describe, expect, it } from '@jest/globals'
import { AuthError, createAuthenticator, createVerifier, type VerifierOptions } from '@tokenguard/core'
import { startJwksServer } from './support/jwks-server.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

let key: TestKey
let token: string
beforeAll(async () => {
  key = await makeKey('ES256')
  token = await sign(key, claims())
})

function setup(options: Partial<VerifierOptions> = {}) {
  let clock = NOW * 1000
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.publicJwk,
    now: () => clock,
    ...options,
  })
  return { verifier, at: (seconds: number) => (clock = seconds * 1000) }
}

function syncError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a synchronous throw')
}

describe('verifyNow: the synchronous cache path', () => {
  it('returns a promise on a miss, then the cached result itself on a hit', async () => {
    const { verifier } = setup()
    const first = verifier.verifyNow(token)
    expect(first).toBeInstanceOf(Promise)
    const verified = await first
    const second = verifier.verifyNow(token)
    expect(second).not.toBeInstanceOf(Promise)
    expect(second).toBe(verified)
    expect(verifier.cacheStats()).toMatchObject({ hits: 1, misses: 1 })
  })

  it('throws synchronously for a cached token that has since expired, and forgets it', async () => {
    const { verifier, at } = setup()
    await verifier.verify(token)
    at(NOW + 600 + 5)
    expect(syncError(() => verifier.verifyNow(token))).toMatchObject({ code: 'token_expired', status: 401 })
    expect(verifier.cacheStats().size).toBe(0)
  })

  it('throws synchronously for a malformed token, with the realm applied', () => {
    const { verifier } = setup({ realm: 'api' })
    const error = syncError(() => verifier.verifyNow(''))
    expect(error).toBeInstanceOf(AuthError)
    expect(error).toMatchObject({ code: 'token_malformed' })
    expect((error as AuthError).headers['WWW-Authenticate']).toContain('realm="api"')
  })

  it('stays asynchronous when isRevoked must run, even on a hit', async () => {
    let revoked = false
    const { verifier } = setup({ isRevoked: async () => revoked })
    await verifier.verify(token)
    const outcome = verifier.verifyNow(token)
    expect(outcome).toBeInstanceOf(Promise)
    await expect(outcome).resolves.toMatchObject({ token })
    revoked = true
    await expect(verifier.verifyNow(token)).rejects.toMatchObject({ code: 'token_revoked' })
  })

  it('stays asynchronous when the cache is off', async () => {
    const { verifier } = setup({ cache: false })
    await verifier.verify(token)
    expect(verifier.verifyNow(token)).toBeInstanceOf(Promise)
  })

  it('waits for a due key refresh on a hit before serving it', async () => {
    const server = await startJwksServer([key.publicJwk])
    try {
      const { verifier, at } = setup({ keys: undefined, jwksUri: server.jwksUri })
      await verifier.verify(token)
      expect(verifier.verifyNow(token)).not.toBeInstanceOf(Promise)
      // Past the cache age the hit must refresh the set first, so it becomes asynchronous once.
      at(NOW + 601)
      const refreshing = verifier.verifyNow(token)
      expect(refreshing).toBeInstanceOf(Promise)
      await expect(refreshing).resolves.toMatchObject({ token })
      expect(server.totalHits('/jwks')).toBe(2)
    } finally {
      await server.close()
    }
  })

  it('verify() rejects rather than throws, whatever fails', async () => {
    const { verifier } = setup()
    const outcome = verifier.verify('')
    expect(outcome).toBeInstanceOf(Promise)
    await expect(outcome).rejects.toMatchObject({ code: 'token_malformed' })
  })
})

describe('authenticateNow', () => {
  const facts = (authorization?: string) => ({
    method: 'GET',
    headers: authorization === undefined ? {} : { authorization },
  })

  it('answers synchronously when the outcome is known at once', async () => {
    const authenticator = createAuthenticator({ verifier: setup().verifier })
    expect(syncError(() => authenticator.authenticateNow({}, facts()))).toMatchObject({
      code: 'credentials_required',
    })
    expect(syncError(() => authenticator.authenticateNow({}, facts('Bearer a b')))).toMatchObject({
      code: 'invalid_request',
    })
    await authenticator.authenticate({}, facts(`Bearer ${token}`))
    expect(authenticator.authenticateNow({}, facts(`Bearer ${token}`))).toMatchObject({ token })
    const optional = createAuthenticator({ verifier: setup().verifier, credentialsRequired: false })
    expect(optional.authenticateNow({}, facts())).toBeNull()
  })

  it('is asynchronous with a custom getToken', async () => {
    const authenticator = createAuthenticator<{ token: string }>({
      verifier: setup().verifier,
      getToken: (request) => request.token,
    })
    const outcome = authenticator.authenticateNow({ token }, facts())
    expect(outcome).toBeInstanceOf(Promise)
    await expect(outcome).resolves.toMatchObject({ token })
  })

  it('refuses a verifier object that was not made by createVerifier', () => {
    expect(() => createAuthenticator({ verifier: { verify: async () => undefined } as never })).toThrow(
      /"verifier"/,
    )
  })
})
