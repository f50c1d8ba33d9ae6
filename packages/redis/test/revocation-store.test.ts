import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createClient } from 'redis'
import { ConfigError, RevocationStoreFullError, type RevocationClaims } from '@tokenguard/core'
import { createRedisRevocationStore, RedisUnavailableError, type RedisRevocationStore } from '../src/index.js'
import type { RedisClientLike } from '../src/index.js'
import {
  closeQuietly,
  connect,
  eventually,
  holdsWithin,
  nodeRedis,
  type ClientKind,
} from './support/clients.js'
import { redisServerAvailable, startRedisServer, type RedisServer } from './support/redis-server.js'

const describeRedis = redisServerAvailable() ? describe : describe.skip
const HOUR = 3600

describeRedis('createRedisRevocationStore, against a real redis-server', () => {
  let server: RedisServer
  const clients: RedisClientLike[] = []
  const stores: RedisRevocationStore[] = []
  let prefixCount = 0
  let clock = Date.now()
  const now = () => clock
  const errors: Error[] = []

  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()))
    await Promise.all(clients.splice(0).map(closeQuietly))
    clock = Date.now()
    errors.length = 0
  })
  afterAll(async () => {
    await server?.stop()
  })

  async function client(kind: ClientKind = 'node-redis'): Promise<RedisClientLike> {
    const made = await connect(kind, server.socket)
    clients.push(made)
    return made
  }

  /** `count` stores, each with its own client, on a prefix of their own (tests do not share entries). */
  async function fleet(
    count: number,
    options: Record<string, unknown> = {},
    kind: ClientKind = 'node-redis',
  ) {
    const prefix = `t${++prefixCount}:`
    const made: RedisRevocationStore[] = []
    for (let i = 0; i < count; i++) {
      const store = createRedisRevocationStore({
        client: await client(kind),
        prefix,
        now,
        onError: (error) => errors.push(error),
        ...options,
      })
      stores.push(store)
      made.push(store)
    }
    await Promise.all(made.map((store) => store.ready()))
    return made
  }

  function claims(jti: string, extra: Partial<RevocationClaims> = {}): RevocationClaims {
    const iat = Math.floor(clock / 1000)
    return { iss: 'https://idp.test/', sub: 'user-1', jti, iat, exp: iat + HOUR, ...extra }
  }

  for (const kind of ['node-redis', 'ioredis', 'iovalkey'] as const) {
    it(`${kind}: a revocation through one instance is enforced by the other within 100 ms`, async () => {
      const [a, b] = (await fleet(2, {}, kind)) as [RedisRevocationStore, RedisRevocationStore]
      const token = claims('token-1')
      expect(b.isRevoked(token)).toBe(false)
      await a.revoke({ jti: 'token-1', exp: token.exp as number })
      expect(a.isRevoked(token)).toBe(true)
      expect(await holdsWithin(100, () => b.isRevoked(token))).toBe(true)
      expect(b.isRevoked(claims('token-2'))).toBe(false)
    })
  }

  it('applies the core entry rules: issuer-limited jti, subject with before, exclusive before', async () => {
    const [a, b] = (await fleet(2)) as [RedisRevocationStore, RedisRevocationStore]
    const before = Math.floor(clock / 1000)
    await a.revoke({ jti: 'j', exp: before + HOUR, iss: 'https://idp.test/' })
    await a.revoke({ sub: 'user-9', before })
    await eventually(() => b.isRevoked(claims('j')))
    expect(b.isRevoked(claims('j', { iss: 'https://other.test/' }))).toBe(false)
    await eventually(() => b.isRevoked(claims('x', { sub: 'user-9', iat: before - 1 })))
    expect(b.isRevoked(claims('x', { sub: 'user-9', iat: before }))).toBe(false)
    expect(b.isRevoked(claims('x', { sub: 'user-9', iat: undefined }))).toBe(true)
    expect(b.isRevoked(claims('x', { sub: '__proto__' }))).toBe(false)
  })

  it('stores entries with the core expiry (exp + 300 s; before + maxTokenLifetime + 300 s) and hashed keys', async () => {
    const raw = await client()
    const [a] = (await fleet(1, { maxTokenLifetime: HOUR, prefix: 'layout:' })) as [RedisRevocationStore]
    const exp = Math.floor(clock / 1000) + 600
    await a.revoke({ jti: 'secret-jti-value', exp })
    await a.revoke({ sub: 'secret-subject', before: exp - 600 })
    const keys = (await raw.sendCommand(['KEYS', 'layout:*'])) as string[]
    expect(keys.join(' ')).not.toContain('secret')
    const entries = keys.filter((key) => key.startsWith('layout:entry:'))
    expect(entries).toHaveLength(2)
    const expiries = await Promise.all(entries.map((key) => raw.sendCommand(['PEXPIRETIME', key])))
    expect(expiries.map(Number).sort()).toEqual([(exp + 300) * 1000, (exp - 600 + HOUR + 300) * 1000].sort())
  })

  it('never shortens an entry nor lowers before when revoking again', async () => {
    const [a, b] = (await fleet(2)) as [RedisRevocationStore, RedisRevocationStore]
    const t = Math.floor(clock / 1000)
    await a.revoke({ sub: 'user-2', before: t })
    await b.revoke({ sub: 'user-2', before: t - 100 })
    const probe = claims('y', { sub: 'user-2', iat: t - 50 })
    await eventually(() => a.isRevoked(probe) && b.isRevoked(probe))
    const [c] = (await fleet(1, { prefix: `t${prefixCount}:` })) as [RedisRevocationStore]
    expect(c.isRevoked(probe)).toBe(true)
  })

  it('loads existing entries at ready() and refuses new ones past maxEntries, evicting nothing', async () => {
    const [a] = (await fleet(1, { maxEntries: 2 })) as [RedisRevocationStore]
    const exp = Math.floor(clock / 1000) + HOUR
    await a.revoke({ jti: 'one', exp })
    await a.revoke({ jti: 'two', exp })
    await expect(a.revoke({ jti: 'three', exp })).rejects.toBeInstanceOf(RevocationStoreFullError)
    await a.revoke({ jti: 'two', exp: exp + 10 }) // already held: always accepted
    const [late] = (await fleet(1, { prefix: `t${prefixCount}:` })) as [RedisRevocationStore]
    expect([
      late.isRevoked(claims('one')),
      late.isRevoked(claims('two')),
      late.isRevoked(claims('three')),
    ]).toEqual([true, true, false])
  })

  for (const kind of ['node-redis', 'ioredis', 'iovalkey'] as const) {
    it(`${kind}: applies on reconnect the revocations written while an instance was cut off`, async () => {
      const prefix = `t${++prefixCount}:`
      // The instance reconnects 1 s after Redis is back; the writer at once: only a re-read can find it.
      const slow = await connect(kind, server.socket, 1000)
      clients.push(slow)
      const cutOff = createRedisRevocationStore({ client: slow, prefix, now, onError: () => undefined })
      stores.push(cutOff)
      await cutOff.ready()
      await server.kill()
      await eventually(() => cutOff.status === 'stale')
      await server.restart()
      const writer = createRedisRevocationStore({ client: await client(), prefix, now })
      stores.push(writer)
      await writer.ready()
      await writer.revoke({ jti: 'while-down', exp: Math.floor(clock / 1000) + HOUR })
      expect(cutOff.status).toBe('stale')
      expect(cutOff.isRevoked(claims('while-down'))).toBe(false)
      await eventually(() => cutOff.status === 'live')
      expect(cutOff.isRevoked(claims('while-down'))).toBe(true)
    })
  }

  it('Redis killed: serves the view for staleWindow, then throws (503); nothing lost after a restart', async () => {
    const [a, b] = (await fleet(2, { staleWindow: 30_000 })) as [RedisRevocationStore, RedisRevocationStore]
    await a.revoke({ jti: 'before-kill', exp: Math.floor(clock / 1000) + HOUR })
    await eventually(() => b.isRevoked(claims('before-kill')))
    await server.kill()
    await eventually(() => b.status === 'stale')
    expect(b.isRevoked(claims('before-kill'))).toBe(true)
    expect(b.isRevoked(claims('other'))).toBe(false)
    await expect(a.revoke({ jti: 'during', exp: Math.floor(clock / 1000) + HOUR })).rejects.toBeInstanceOf(
      RedisUnavailableError,
    )
    clock += 30_000
    expect(b.isRevoked(claims('other'))).toBe(false)
    clock += 1
    expect(b.status).toBe('unavailable')
    expect(() => b.isRevoked(claims('other'))).toThrow(RedisUnavailableError)
    expect(errors.length).toBeGreaterThan(0)

    await server.restart()
    await eventually(() => b.status === 'live')
    expect(b.isRevoked(claims('other'))).toBe(false)
    // A store that starts now knows only what Redis kept: the AOF replayed the entry.
    const [fresh] = (await fleet(1, { prefix: `t${prefixCount}:` })) as [RedisRevocationStore]
    expect(fresh.isRevoked(claims('before-kill'))).toBe(true)
  })

  it('staleWindow 0 fails closed at once', async () => {
    const [a] = (await fleet(1, { staleWindow: 0 })) as [RedisRevocationStore]
    await server.kill()
    await eventually(() => a.status === 'unavailable')
    expect(() => a.isRevoked(claims('any'))).toThrow(RedisUnavailableError)
    await server.restart()
    await eventually(() => a.status === 'live')
    expect(a.isRevoked(claims('any'))).toBe(false)
  })

  it("connection errors never crash the process, even on a client without an 'error' listener", async () => {
    const bare = createClient({ socket: { path: server.socket, reconnectStrategy: () => 20 } })
    await bare.connect()
    const store = createRedisRevocationStore({
      client: bare,
      prefix: 'bare:',
      now,
      onError: (e) => errors.push(e),
    })
    stores.push(store)
    await store.ready()
    await server.kill()
    // An 'error' emitted with no listener would throw here (an uncaught exception fails the test).
    await eventually(() => errors.length >= 2)
    await server.restart()
    await eventually(() => store.status === 'live')
    await store.close()
    await bare.close()
  })

  it('throws before ready() and after close(); close() leaves a given subscriber open', async () => {
    const main = await client()
    const subscriber = await client()
    const store = createRedisRevocationStore({ client: main, subscriber, prefix: 'closing:', now })
    expect(() => store.isRevoked(claims('a'))).toThrow(RedisUnavailableError)
    await store.ready()
    expect(store.status).toBe('live')
    await store.close()
    expect(store.status).toBe('closed')
    expect(() => store.isRevoked(claims('a'))).toThrow(RedisUnavailableError)
    await expect(store.revoke({ jti: 'a', exp: 1e10 })).rejects.toBeInstanceOf(RedisUnavailableError)
    expect(subscriber.isReady).toBe(true)
  })

  it('re-reads when a revision is skipped (a message lost)', async () => {
    const raw = await client()
    const [a] = (await fleet(1, { checkInterval: 20 })) as [RedisRevocationStore]
    const prefix = `t${prefixCount}:`
    // Another writer's entry, as if its message never came: the revision counter says one is missing.
    const other = createRedisRevocationStore({ client: await client(), prefix: 'elsewhere:', now })
    stores.push(other)
    await other.revoke({ jti: 'lost', exp: Math.floor(clock / 1000) + HOUR })
    for (const key of (await raw.sendCommand(['KEYS', 'elsewhere:*'])) as string[])
      await raw.sendCommand(['RENAME', key, prefix + key.slice('elsewhere:'.length)])
    await eventually(() => a.isRevoked(claims('lost')))
  })

  it('a malformed message is reported and answered with a re-read, never ignored', async () => {
    const raw = await client()
    const [a] = (await fleet(1)) as [RedisRevocationStore]
    await raw.sendCommand(['PUBLISH', `t${prefixCount}:events`, '1\nnot a number\n0\n["jti","x",null]'])
    await eventually(() => errors.length > 0)
    expect(errors[0]).toBeInstanceOf(TypeError)
    await eventually(() => a.status === 'live')
  })

  it('by default warns once when it goes out of sync and once when it is back', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      const [a] = (await fleet(1, { onError: undefined })) as [RedisRevocationStore]
      await server.kill()
      await eventually(() => a.status === 'stale')
      await new Promise((resolve) => setTimeout(resolve, 100)) // several reconnect attempts fail meanwhile
      expect(warn).toHaveBeenCalledTimes(1)
      await server.restart()
      await eventually(() => a.status === 'live')
      expect(warn).toHaveBeenCalledTimes(2)
      expect(String(warn.mock.calls[1]?.[0])).toMatch(/back in sync/)
    } finally {
      warn.mockRestore()
    }
  })

  it('refuses bad options with a ConfigError naming the option', async () => {
    const main = await client()
    const unconnected = main.duplicate()
    expect(() => createRedisRevocationStore({ client: unconnected })).toThrow(/"client" is not connected/)
    expect(() => createRedisRevocationStore({ client: {} as RedisClientLike })).toThrow(ConfigError)
    const ioredisLike = { status: 'ready', call: () => undefined } as unknown as RedisClientLike
    expect(() => createRedisRevocationStore({ client: ioredisLike })).toThrow(/fromIoredis/)
    expect(() => createRedisRevocationStore({ client: main, subscriber: main })).toThrow(/"subscriber"/)
    expect(() => createRedisRevocationStore({ client: main, prefix: 'has space' })).toThrow(/"prefix"/)
    expect(() => createRedisRevocationStore({ client: main, staleWindow: -1 })).toThrow(/"staleWindow"/)
    const misspelt = { client: main, stale: 1 } as unknown as Parameters<typeof createRedisRevocationStore>[0]
    expect(() => createRedisRevocationStore(misspelt)).toThrow(/"stale"/)
    await expect(nodeRedis(server.socket).then(closeQuietly)).resolves.toBeUndefined()
  })
})
