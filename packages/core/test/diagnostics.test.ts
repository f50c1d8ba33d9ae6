import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createVerifier,
  NotReadyError,
  tokenId,
  type JwksFetchMessage,
  type VerifierOptions,
  type VerifyMessage,
} from '@tokenguard/core'
import diagnostics from 'node:diagnostics_channel'
import { startJwksServer, type JwksServer } from './support/jwks-server.js'
import { AUDIENCE, claims, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/** Events on node:diagnostics_channel, each subscribed to and its message asserted; and `ready()`. */

let key: TestKey
let server: JwksServer
beforeAll(async () => {
  key = await makeKey('RS256')
  server = await startJwksServer([key.publicJwk])
})
afterAll(() => server.close())

const unsubscribers: Array<() => void> = []
afterEach(() => {
  while (unsubscribers.length > 0) unsubscribers.pop()?.()
  server.override('/jwks', undefined)
  server.setKeys([key.publicJwk])
})

/** Subscribes to a plain channel for the rest of the test; returns the messages it receives. */
function listen<T>(name: string): T[] {
  const messages: T[] = []
  const listener = (message: unknown) => void messages.push(structuredClone(message) as T)
  diagnostics.subscribe(name, listener)
  unsubscribers.push(() => diagnostics.unsubscribe(name, listener))
  return messages
}

type Event = [name: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error', message: VerifyMessage]

/** Subscribes to every event of the `tokenguard:verify` tracing channel. */
function trace(): Event[] {
  const events: Event[] = []
  const record = (name: Event[0]) => (message: unknown) =>
    void events.push([name, { ...(message as VerifyMessage) }])
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  }
  const channel = diagnostics.tracingChannel('tokenguard:verify')
  channel.subscribe(handlers)
  unsubscribers.push(() => channel.unsubscribe(handlers))
  return events
}

function remote(options: Partial<VerifierOptions> = {}, clock = { now: NOW * 1000 }) {
  return createVerifier({
    issuer: server.issuer,
    audience: AUDIENCE,
    now: () => clock.now,
    ...options,
  } as VerifierOptions)
}

describe('tokenguard:verify (TracingChannel)', () => {
  it('a full verification: start, end, asyncStart, asyncEnd, with issuer, kid, alg and cached: false', async () => {
    const events = trace()
    const token = await sign(key, claims({ iss: server.issuer }))
    await remote().verify(token)
    expect(events.map(([name]) => name)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    expect(events[3]?.[1]).toEqual({
      tokenId: tokenId(token),
      cached: false,
      issuer: server.issuer,
      kid: key.kid,
      alg: 'RS256',
    })
  })

  it('a cache hit on the synchronous path: start and end only, cached: true', async () => {
    const verifier = remote()
    const token = await sign(key, claims({ iss: server.issuer }))
    await verifier.verify(token)
    const events = trace()
    const result = verifier.verifyNow(token)
    expect(result).not.toBeInstanceOf(Promise)
    expect(events.map(([name]) => name)).toEqual(['start', 'end'])
    expect(events[1]?.[1]).toMatchObject({ cached: true, kid: key.kid, alg: 'RS256' })
  })

  it('a refusal: error with the code and the reason, never the token', async () => {
    const events = trace()
    const token = await sign(key, claims({ iss: server.issuer, aud: 'https://other.example' }))
    await expect(remote().verify(token)).rejects.toMatchObject({ code: 'claim_invalid' })
    expect(events.map(([name]) => name)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd'])
    const message = events[2]?.[1] as VerifyMessage
    expect(message).toMatchObject({ code: 'claim_invalid', cached: false, kid: key.kid })
    expect(message.reason).toMatchObject({ check: 'aud', actual: 'https://other.example' })
    const { error, ...rest } = message
    expect(error?.code).toBe('claim_invalid')
    expect(JSON.stringify(rest)).not.toContain(token.split('.')[2])
  })

  it('a synchronous refusal (malformed token): start, error, end', () => {
    const events = trace()
    expect(() => remote().verifyNow('x'.repeat(9000))).toThrow()
    expect(events.map(([name]) => name)).toEqual(['start', 'error', 'end'])
    expect(events[1]?.[1]).toMatchObject({ code: 'token_malformed', reason: { check: 'syntax' } })
  })

  it('nothing is published, and no message built, without a subscriber', async () => {
    const channel = diagnostics.tracingChannel('tokenguard:verify')
    expect(channel.hasSubscribers).toBe(false)
    await remote().verify(await sign(key, claims({ iss: server.issuer })))
  })
})

describe('JWK Set and discovery channels', () => {
  it('tokenguard:discovery:fetch and tokenguard:jwks:fetch on the first load', async () => {
    const discovery = listen<Record<string, unknown>>('tokenguard:discovery:fetch')
    const fetches = listen<JwksFetchMessage>('tokenguard:jwks:fetch')
    server.setKeys([key.publicJwk, { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'tiny' }])
    await remote().verify(await sign(key, claims({ iss: server.issuer })))
    expect(discovery).toEqual([
      {
        issuer: server.issuer,
        url: `${server.issuer}/.well-known/openid-configuration`,
        status: 200,
        durationMs: expect.any(Number),
        jwksUri: server.jwksUri,
      },
    ])
    expect(fetches).toEqual([
      {
        url: `${server.jwksUri} (discovered from ${server.issuer})`,
        trigger: 'initial',
        status: 200,
        durationMs: expect.any(Number),
        keyCount: 1,
        skippedKeys: 1,
      },
    ])
  })

  it('a failed fetch carries its status and error', async () => {
    const fetches = listen<JwksFetchMessage>('tokenguard:jwks:fetch')
    server.override('/jwks', (_req, res) => void res.writeHead(502).end())
    const verifier = remote({ jwksUri: server.jwksUri })
    await expect(verifier.verify(await sign(key, claims({ iss: server.issuer })))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    expect(fetches).toEqual([
      expect.objectContaining({
        url: server.jwksUri,
        trigger: 'initial',
        status: 502,
        error: expect.stringMatching(/502/),
      }),
    ])
  })

  it('a failed discovery names the URL whose failure it reports, not the fallback that answered 404', async () => {
    const discovery = listen<Record<string, unknown>>('tokenguard:discovery:fetch')
    const openId = '/issuer/.well-known/openid-configuration'
    server.override(openId, (_req, res) => void res.writeHead(503).end())
    try {
      await expect(remote().verify(await sign(key, claims({ iss: server.issuer })))).rejects.toMatchObject({
        code: 'keys_unavailable',
      })
    } finally {
      server.override(openId, undefined)
    }
    expect(discovery).toEqual([
      expect.objectContaining({
        url: `${server.url}${openId}`,
        status: 503,
        error: expect.stringMatching(/503/),
      }),
    ])
  })

  it('tokenguard:jwks:refresh-ahead, then a refresh-ahead fetch', async () => {
    const clock = { now: NOW * 1000 }
    const verifier = remote(
      { jwksUri: server.jwksUri, jwks: { cacheMaxAge: 60_000, refreshAhead: 10_000 } },
      clock,
    )
    const token = await sign(key, claims({ iss: server.issuer }))
    await verifier.verify(token)
    const ahead = listen<Record<string, unknown>>('tokenguard:jwks:refresh-ahead')
    const fetches = listen<JwksFetchMessage>('tokenguard:jwks:fetch')
    clock.now += 55_000
    await verifier.verify(token)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ahead).toEqual([{ url: server.jwksUri, expiresInMs: 5_000 }])
    expect(fetches).toMatchObject([{ trigger: 'refresh-ahead', status: 200 }])
  })

  it('tokenguard:jwks:stale while expired keys serve during an outage', async () => {
    const clock = { now: NOW * 1000 }
    const verifier = remote({ jwksUri: server.jwksUri, cache: false, jwks: { cacheMaxAge: 60_000 } }, clock)
    const token = await sign(key, claims({ iss: server.issuer }))
    await verifier.verify(token)
    server.override('/jwks', (_req, res) => void res.writeHead(503).end())
    const stale = listen<Record<string, unknown>>('tokenguard:jwks:stale')
    clock.now += 70_000
    await verifier.verify(token)
    expect(stale).toEqual([
      {
        url: server.jwksUri,
        staleForMs: 10_000,
        remainingMs: 3_600_000 - 10_000,
        error: expect.stringMatching(/503/),
      },
    ])
  })

  it('tokenguard:jwks:cooldown when an unknown kid may not refetch', async () => {
    const verifier = remote({ jwksUri: server.jwksUri, cache: false })
    const cooldowns = listen<Record<string, unknown>>('tokenguard:jwks:cooldown')
    const stranger = await makeKey('RS256')
    const first = await sign(stranger, claims({ iss: server.issuer }), { header: { kid: 'k1' } })
    const second = await sign(stranger, claims({ iss: server.issuer }), { header: { kid: 'k2\u0000' } })
    await expect(verifier.verify(first)).rejects.toMatchObject({ code: 'key_not_found' })
    await expect(verifier.verify(first)).rejects.toMatchObject({ code: 'key_not_found' })
    await expect(verifier.verify(second)).rejects.toMatchObject({ code: 'key_not_found' })
    expect(cooldowns).toEqual([
      { url: server.jwksUri, kid: 'k1', retryInMs: 30_000 },
      { url: server.jwksUri, kid: 'k2\\u0000', retryInMs: 30_000 },
    ])
  })
  it('tokenguard:jwks:cooldown reports the retry delay when a failed refresh is what refuses the refetch', async () => {
    const clock = { now: NOW * 1000 }
    const verifier = remote({ jwksUri: server.jwksUri, cache: false, jwks: { cacheMaxAge: 60_000 } }, clock)
    await verifier.verify(await sign(key, claims({ iss: server.issuer })))
    server.override('/jwks', (_req, res) => void res.writeHead(503).end())
    clock.now += 70_000
    await verifier.verify(await sign(key, claims({ iss: server.issuer }))) // stale keys serve; refresh failed
    const cooldowns = listen<Record<string, unknown>>('tokenguard:jwks:cooldown')
    clock.now += 1_000
    const stranger = await makeKey('RS256')
    const unknown = await sign(stranger, claims({ iss: server.issuer }), { header: { kid: 'new' } })
    await expect(verifier.verify(unknown)).rejects.toMatchObject({ code: 'key_not_found' })
    expect(cooldowns).toEqual([{ url: server.jwksUri, kid: 'new', retryInMs: 4_000 }])
  })
})

describe('tokenguard:cache:evict', () => {
  it('reports entries pushed out by maxEntries', async () => {
    const verifier = remote({ jwksUri: server.jwksUri, cache: { maxEntries: 1 } })
    const evictions = listen<Record<string, unknown>>('tokenguard:cache:evict')
    await verifier.verify(await sign(key, claims({ iss: server.issuer, sub: 'a' })))
    await verifier.verify(await sign(key, claims({ iss: server.issuer, sub: 'b' })))
    expect(evictions).toEqual([{ reason: 'evict', size: expect.any(Number), bytes: expect.any(Number) }])
  })
})

describe('verifier.ready()', () => {
  it('runs discovery and the first JWK Set fetch now; later verifications fetch nothing', async () => {
    const verifier = remote()
    const before = server.totalHits()
    await verifier.ready()
    expect(server.totalHits() - before).toBe(2)
    await verifier.verify(await sign(key, claims({ iss: server.issuer })))
    expect(server.totalHits() - before).toBe(2)
    await verifier.ready()
    expect(server.totalHits() - before).toBe(2)
  })

  it('rejects naming the issuer URL and the cause', async () => {
    const issuer = `${server.url}/wrong-issuer`
    const verifier = createVerifier({ issuer, audience: AUDIENCE })
    const error = await verifier.ready().then(
      () => undefined,
      (e: unknown) => e as NotReadyError,
    )
    expect(error).toBeInstanceOf(NotReadyError)
    expect(error?.message).toContain(`issuer "${issuer}"`)
    expect(error?.message).toMatch(/404/)
    expect(error?.failures).toEqual([
      { issuer, keySource: `discovery of ${issuer}`, cause: expect.any(Error) },
    ])
  })

  it('lists every failing issuer once, and resolves at once for static keys', async () => {
    const down = 'http://127.0.0.1:9/idp'
    const verifier = createVerifier({
      issuer: [
        { issuer: server.issuer },
        { issuer: down },
        { issuer: 'https://static.example/', keys: key.publicJwk },
      ],
      audience: AUDIENCE,
      jwks: { timeout: 2_000 },
    })
    const error = (await verifier.ready().catch((e: unknown) => e)) as NotReadyError
    expect(error.failures.map((failure) => failure.issuer)).toEqual([down])
    const staticOnly = createVerifier({
      issuer: 'https://static.example/',
      audience: AUDIENCE,
      keys: key.publicJwk,
    })
    await expect(staticOnly.ready()).resolves.toBeUndefined()
  })
})
