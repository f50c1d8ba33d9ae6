import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import request from 'supertest'
import {
  createMemoryRevocationStore,
  createVerifier,
  RevocationStoreFullError,
  type MemoryRevocationStoreOptions,
  type RevocationStore,
  type Verifier,
  type VerifierOptions,
} from '@tokenguard/core'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import type { ConformanceAppFactory, ConformanceServer } from '../conformance/app-contract.js'

/**
 * Revocation through an adapter, over real HTTP: the conformance app of each framework (app-contract.ts)
 * with a verifier using a revocation store. The code of a refusal is read from the challenge's
 * `error_description`, which is fixed per code (errors.ts).
 */

/** 2026-01-01T00:00:00Z, in seconds: the clock of every test, moved only by the tests. */
const T = 1_767_225_600
const HOUR = 3600

const DESCRIPTION = {
  revoked: 'error_description="The access token was revoked"',
  expired: 'error_description="The access token expired"',
  claims: 'error_description="The access token claims are invalid"',
}

export function describeRevocation(framework: string, createApp: ConformanceAppFactory): void {
  describe(`revocation: ${framework}`, () => {
    let issuer: TestIssuer
    let otherIssuer: TestIssuer
    const servers: ConformanceServer[] = []

    beforeAll(async () => {
      // Production-mode frameworks log the 503s of a failing store.
      jest.spyOn(console, 'error').mockImplementation(() => undefined)
      ;[issuer, otherIssuer] = await Promise.all([createTestIssuer(), createTestIssuer()])
    })
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((server) => server.close()))
    })
    afterAll(async () => {
      await Promise.all([issuer.close(), otherIssuer.close()])
      jest.restoreAllMocks()
    })

    interface Setup {
      /** Sets the clock of the verifier and the store, in milliseconds. */
      at(ms: number): void
      store: RevocationStore
      verifier: Verifier
      get(token: string): request.Test
    }

    async function setup(
      storeOptions: MemoryRevocationStoreOptions = {},
      verifierOptions: Partial<VerifierOptions> = {},
      wrap: (store: RevocationStore) => RevocationStore = (store) => store,
    ): Promise<Setup> {
      let clock = T * 1000
      const now = () => clock
      const store = createMemoryRevocationStore({ now, ...storeOptions })
      const verifier = createVerifier({
        issuer: [issuer.url, otherIssuer.url],
        audience: issuer.audience,
        now,
        revocation: wrap(store),
        ...verifierOptions,
      })
      const server = await createApp({ verifier })
      servers.push(server)
      return {
        at: (ms) => void (clock = ms),
        store,
        verifier,
        get: (token) => request(server.url).get('/protected').auth(token, { type: 'bearer' }),
      }
    }

    /** A token of `from`, issued 10 s before T and living an hour unless `claims` say otherwise. */
    const sign = (claims: Record<string, unknown> = {}, from = issuer) =>
      from.sign({ iat: T - 10, exp: T + HOUR, ...claims })
    const jtiOf = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { jti: string }).jti

    it('refuses a revoked jti on its next request, although the token is cached', async () => {
      const { store, verifier, get } = await setup()
      const token = await sign()
      const sibling = await sign()
      await get(token).expect(200)
      await get(token).expect(200)
      const hits = verifier.cacheStats().hits
      await store.revoke({ jti: jtiOf(token), exp: T + HOUR, iss: issuer.url })
      const res = await get(token).expect(401)
      expect(res.headers['www-authenticate']).toContain(DESCRIPTION.revoked)
      // The refused request was served by the cache: revocation is checked on hits too.
      expect(verifier.cacheStats().hits).toBe(hits + 1)
      await get(sibling).expect(200)
    })

    it('log out everywhere: refuses older tokens of the subject, accepts newer ones (iat = before)', async () => {
      const { store, at, get } = await setup()
      const older = await sign({ sub: 'alice', iat: T - 1 })
      const atBefore = await sign({ sub: 'alice', iat: T })
      const otherSubject = await sign({ sub: 'bob', iat: T - 1 })
      await get(older).expect(200)
      await store.revoke({ sub: 'alice', before: T })
      expect((await get(older).expect(401)).headers['www-authenticate']).toContain(DESCRIPTION.revoked)
      await get(atBefore).expect(200)
      await get(otherSubject).expect(200)
      at((T + 60) * 1000)
      await get(await sign({ sub: 'alice', iat: T + 60 })).expect(200)
    })

    it('keeps a jti entry until exp + 300 s, exactly when the token is refused everywhere', async () => {
      const { store, at, get } = await setup({ maxEntries: 1 }, { clockTolerance: 300 })
      const token = await sign({ exp: T + 60 })
      await store.revoke({ jti: jtiOf(token), exp: T + 60 })
      const other = { jti: 'other', exp: T + HOUR }
      at((T + 60 + 300) * 1000 - 1)
      // Still acceptable to a verifier with the largest tolerance, so still refused as revoked…
      expect((await get(token).expect(401)).headers['www-authenticate']).toContain(DESCRIPTION.revoked)
      // …and its entry still held: the full store takes no other.
      await expect(store.revoke(other)).rejects.toBeInstanceOf(RevocationStoreFullError)
      at((T + 60 + 300) * 1000)
      expect((await get(token).expect(401)).headers['www-authenticate']).toContain(DESCRIPTION.expired)
      await expect(store.revoke(other)).resolves.toBeUndefined()
    })

    it('keeps a subject entry until before + maxTokenLifetime + 300 s', async () => {
      const { store, at, get } = await setup(
        { maxEntries: 1, maxTokenLifetime: HOUR },
        { clockTolerance: 300 },
      )
      // The longest-lived token the entry revokes: issued 1 s before `before`, living maxTokenLifetime.
      const token = await sign({ sub: 'alice', iat: T - 1, exp: T - 1 + HOUR })
      await store.revoke({ sub: 'alice', before: T })
      const other = { jti: 'other', exp: T + 2 * HOUR }
      at((T - 1 + HOUR + 300) * 1000 - 1)
      expect((await get(token).expect(401)).headers['www-authenticate']).toContain(DESCRIPTION.revoked)
      await expect(store.revoke(other)).rejects.toBeInstanceOf(RevocationStoreFullError)
      at((T + HOUR + 300) * 1000 - 1)
      await expect(store.revoke(other)).rejects.toBeInstanceOf(RevocationStoreFullError)
      at((T + HOUR + 300) * 1000)
      await expect(store.revoke(other)).resolves.toBeUndefined()
    })

    it('refuses tokens living longer than maxTokenLifetime, or without exp or iat', async () => {
      const { get } = await setup({ maxTokenLifetime: HOUR }, { requiredClaims: [] })
      await get(await sign({ iat: T - 10, exp: T - 10 + HOUR })).expect(200)
      for (const claims of [
        { iat: T - 10, exp: T - 10 + HOUR + 1 },
        { iat: T - 10, exp: T + 100 * 365 * 86_400 },
        { iat: undefined },
        { exp: undefined },
      ]) {
        const res = await get(await sign(claims)).expect(401)
        expect(res.headers['www-authenticate']).toContain(DESCRIPTION.claims)
      }
    })

    it('a full store never forgets: revoke() rejects, every revoked token stays refused', async () => {
      const { store, get } = await setup({ maxEntries: 2 })
      const [first, second, third] = await Promise.all([sign(), sign(), sign()])
      await store.revoke({ jti: jtiOf(first), exp: T + HOUR })
      await store.revoke({ sub: 'test-user', before: T - 20 })
      await expect(store.revoke({ jti: jtiOf(second), exp: T + HOUR })).rejects.toBeInstanceOf(
        RevocationStoreFullError,
      )
      // A flood of revocations evicts nothing.
      const flood = await Promise.allSettled(
        Array.from({ length: 1000 }, (_, n) => store.revoke({ jti: `flood-${n}`, exp: T + HOUR })),
      )
      expect(flood.every((outcome) => outcome.status === 'rejected')).toBe(true)
      await get(first).expect(401)
      await get(third).expect(200)
      // Revoking again what is held still works when full.
      await expect(store.revoke({ jti: jtiOf(first), exp: T + 2 * HOUR })).resolves.toBeUndefined()
    })

    it('answers 503 when the store fails, also for a cached token, never a pass', async () => {
      let failing = false
      const { get } = await setup({}, {}, (store) => ({
        maxTokenLifetime: store.maxTokenLifetime,
        revoke: (entry) => store.revoke(entry),
        isRevoked: (claims) => {
          if (failing) throw new Error('store down')
          return store.isRevoked(claims)
        },
      }))
      const token = await sign()
      await get(token).expect(200)
      failing = true
      const res = await get(token).expect(503)
      expect(res.headers['retry-after']).toMatch(/^\d+$/)
      expect(res.headers['www-authenticate']).toBeUndefined()
    })

    it('awaits a store that answers with a promise', async () => {
      const { store, get } = await setup({}, {}, (inner) => ({
        maxTokenLifetime: inner.maxTokenLifetime,
        revoke: (entry) => inner.revoke(entry),
        isRevoked: async (claims) => inner.isRevoked(claims),
      }))
      const token = await sign()
      await get(token).expect(200)
      await store.revoke({ jti: jtiOf(token), exp: T + HOUR })
      await get(token).expect(401)
      await get(await sign()).expect(200)
    })

    it('runs the isRevoked hook too when both are set', async () => {
      const { store, get } = await setup({}, { isRevoked: (payload) => payload.sub === 'hooked' })
      const revokedByStore = await sign()
      await store.revoke({ jti: jtiOf(revokedByStore), exp: T + HOUR })
      await get(revokedByStore).expect(401)
      await get(await sign({ sub: 'hooked' })).expect(401)
      await get(await sign()).expect(200)
    })

    it('an entry with iss revokes only that issuer’s token; one without iss, every issuer’s', async () => {
      const { store, get } = await setup()
      const mine = await sign({ jti: 'shared-jti' })
      const theirs = await sign({ jti: 'shared-jti' }, otherIssuer)
      await store.revoke({ jti: 'shared-jti', exp: T + HOUR, iss: issuer.url })
      await get(mine).expect(401)
      // The same jti from another issuer is another token.
      await get(theirs).expect(200)
      await store.revoke({ sub: 'test-user', before: T, iss: otherIssuer.url })
      await get(theirs).expect(401)
      await get(await sign({ jti: 'another' })).expect(200)
      await store.revoke({ jti: 'any-issuer', exp: T + HOUR })
      await get(await sign({ jti: 'any-issuer', sub: 'carol' }, otherIssuer)).expect(401)
      await get(await sign({ jti: 'any-issuer', sub: 'carol' })).expect(401)
    })

    it('takes the store as a jwtAuth option too', async () => {
      const now = () => T * 1000
      const revocation = createMemoryRevocationStore({ now })
      const server = await createApp({ issuer: issuer.url, audience: issuer.audience, now, revocation })
      servers.push(server)
      const token = await sign()
      const get = () => request(server.url).get('/protected').auth(token, { type: 'bearer' })
      await get().expect(200)
      await revocation.revoke({ sub: 'test-user', before: T })
      expect((await get().expect(401)).headers['www-authenticate']).toContain(DESCRIPTION.revoked)
    })

    it('treats prototype names as plain identifiers', async () => {
      const { store, get } = await setup()
      const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString']
      // An unrelated entry, so that the store really looks these names up.
      await store.revoke({ jti: 'unrelated', exp: T + HOUR })
      for (const name of names) await get(await sign({ jti: name, sub: name })).expect(200)
      await store.revoke({ jti: '__proto__', exp: T + HOUR })
      await store.revoke({ sub: 'constructor', before: T })
      await get(await sign({ jti: '__proto__', sub: 'x' })).expect(401)
      await get(await sign({ jti: 'y', sub: 'constructor' })).expect(401)
      await get(await sign({ jti: 'hasOwnProperty', sub: 'toString' })).expect(200)
    })
  })
}
