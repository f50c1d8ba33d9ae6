import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type IntrospectionOptions, type Verifier } from '@tokenguard/core'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { expectAuthError } from '../support/expect-error.js'
import {
  activeClaims,
  json,
  optionsFor,
  opaqueToken,
  startIntrospectionServer,
  type IntrospectionServer,
} from './introspection-server.js'

/**
 * How long an answer is believed: not at all by default; with `cache`, for its TTL and never past the
 * token's `exp`, inactive answers included. And one request per token at a time (single-flight).
 */

const CLIENT = { clientId: 'orders-api', clientSecret: 'introspection-secret' }
let issuer: TestIssuer
/** The issuer's and the verifier's clock: a whole second, moved by the tests that need it. */
let clock = Math.ceil(Date.now() / 1000) * 1000
beforeAll(async () => {
  issuer = await createTestIssuer({ introspection: CLIENT, now: () => clock })
})
afterAll(() => issuer.close())

const introspections = () => issuer.hits.get('/introspect') ?? 0

function verifierWith(introspection: Partial<IntrospectionOptions> = {}): Verifier {
  return createVerifier({
    issuer: [{ issuer: issuer.url, introspection: { ...CLIENT, ...introspection } }],
    audience: issuer.audience,
    now: () => clock,
  })
}

describe('without cache (the default)', () => {
  it('asks for every verification', async () => {
    const verifier = verifierWith()
    const token = issuer.issueOpaqueToken()
    const before = introspections()
    await verifier.verify(token)
    await verifier.verify(token)
    await expectAuthError(verifier.verify('never-issued'), 'token_inactive')
    await expectAuthError(verifier.verify('never-issued'), 'token_inactive')
    expect(introspections()).toBe(before + 4)
  })
})

describe('with cache', () => {
  it('remembers an active answer: a revocation shows only once the answer is forgotten', async () => {
    const verifier = verifierWith({ cache: { ttl: 1 } })
    const token = issuer.issueOpaqueToken()
    const before = introspections()
    await verifier.verify(token)
    issuer.revokeToken(token)
    await verifier.verify(token)
    expect(introspections()).toBe(before + 1)
    // The TTL is real time (the cache's own clock): wait it out.
    await sleep(1100)
    await expectAuthError(verifier.verify(token), 'token_inactive')
    expect(introspections()).toBe(before + 2)
  })

  it('remembers inactive answers too, so a repeated bad token costs one request', async () => {
    const verifier = verifierWith({ cache: true })
    const before = introspections()
    await expectAuthError(verifier.verify('never-issued-either'), 'token_inactive')
    await expectAuthError(verifier.verify('never-issued-either'), 'token_inactive')
    expect(introspections()).toBe(before + 1)
  })

  it('never keeps an answer past the token’s exp, whatever the TTL', async () => {
    const verifier = verifierWith({ cache: { ttl: 3600 } })
    clock = Math.ceil(clock / 1000) * 1000
    const token = issuer.issueOpaqueToken({}, { expiresIn: 1 })
    // 500 ms of the token's life are left: the answer is kept that long, not an hour.
    clock += 500
    const before = introspections()
    await verifier.verify(token)
    issuer.revokeToken(token)
    await verifier.verify(token)
    expect(introspections()).toBe(before + 1)
    await sleep(600)
    await expectAuthError(verifier.verify(token), 'token_inactive')
    expect(introspections()).toBe(before + 2)
  })

  it('keeps at most maxEntries answers (least recently used first out)', async () => {
    const verifier = verifierWith({ cache: { maxEntries: 1 } })
    const first = issuer.issueOpaqueToken()
    const second = issuer.issueOpaqueToken()
    const before = introspections()
    await verifier.verify(first)
    await verifier.verify(second)
    await verifier.verify(second)
    await verifier.verify(first)
    expect(introspections()).toBe(before + 3)
  })

  it('keeps the remembered text within maxBytes, whatever maxEntries allows', async () => {
    // Each answer weighs well over half of 2 KiB (two bytes a character): the second evicts the first.
    const verifier = verifierWith({ cache: { maxEntries: 1000, maxBytes: 2048 } })
    const padding = { note: 'x'.repeat(400) }
    const first = issuer.issueOpaqueToken(padding)
    const second = issuer.issueOpaqueToken(padding)
    const before = introspections()
    await verifier.verify(first)
    await verifier.verify(first)
    expect(introspections()).toBe(before + 1)
    await verifier.verify(second)
    await verifier.verify(first)
    expect(introspections()).toBe(before + 3)
  })

  it('does not remember an answer bigger than maxBytes at all', async () => {
    const verifier = verifierWith({ cache: { maxBytes: 1024 } })
    const token = issuer.issueOpaqueToken({ note: 'x'.repeat(600) })
    const before = introspections()
    await verifier.verify(token)
    await verifier.verify(token)
    expect(introspections()).toBe(before + 2)
  })
})

describe('answers the endpoint makes with their own clock', () => {
  let server: IntrospectionServer
  beforeAll(async () => {
    server = await startIntrospectionServer()
  })
  afterAll(() => server.close())
  afterEach(() => {
    server.requests.length = 0
  })

  it('does not remember an answer whose exp has passed, even within the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000)
    server.answer = json(activeClaims({ exp: now - 2 }))
    const verifier = createVerifier(await optionsFor(server, { cache: true }, { clockTolerance: 5 }))
    const token = opaqueToken()
    await verifier.verify(token)
    await verifier.verify(token)
    expect(server.requests).toHaveLength(2)
  })

  it('remembers an answer without exp for the TTL (when exp is not required)', async () => {
    server.answer = json(activeClaims({ exp: undefined }))
    const verifier = createVerifier(await optionsFor(server, { cache: true, requiredClaims: [] }))
    const token = opaqueToken()
    await verifier.verify(token)
    await verifier.verify(token)
    expect(server.requests).toHaveLength(1)
  })
})

describe('single-flight', () => {
  it('sends one request for ten concurrent verifications of one token', async () => {
    const verifier = verifierWith()
    const token = issuer.issueOpaqueToken({ sub: 'concurrent' })
    const before = introspections()
    const results = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)))
    expect(introspections()).toBe(before + 1)
    expect(results.every((result) => result.payload.sub === 'concurrent')).toBe(true)
    // Once answered, the next verification asks again (no cache).
    await verifier.verify(token)
    expect(introspections()).toBe(before + 2)
  })

  it('shares a refusal the same way', async () => {
    const verifier = verifierWith()
    const before = introspections()
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => verifier.verify('never-issued-concurrent')),
    )
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(10).fill('rejected'))
    expect(introspections()).toBe(before + 1)
    for (const outcome of outcomes)
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'token_inactive' })
  })

  it('asks once per distinct token', async () => {
    const verifier = verifierWith()
    const tokens = [issuer.issueOpaqueToken(), issuer.issueOpaqueToken(), issuer.issueOpaqueToken()]
    const before = introspections()
    await Promise.all([...tokens, ...tokens].map((token) => verifier.verify(token)))
    expect(introspections()).toBe(before + 3)
  })
})
