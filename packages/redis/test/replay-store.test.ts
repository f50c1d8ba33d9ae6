import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError } from '@tokenguard/core'
import { createRedisReplayStore, RedisUnavailableError, type ReplayStore } from '../src/index.js'
import type { RedisClientLike } from '../src/index.js'
import { closeQuietly, connect, type ClientKind } from './support/clients.js'
import { redisServerAvailable, startRedisServer, type RedisServer } from './support/redis-server.js'

const describeRedis = redisServerAvailable() ? describe : describe.skip

/** What the core passes: base64url SHA-256 of `htu + " " + jti`. */
function proofId(jti: string): string {
  return createHash('sha256').update(`https://api.test/orders ${jti}`).digest('base64url')
}

describeRedis('createRedisReplayStore, against a real redis-server', () => {
  let server: RedisServer
  const clients: RedisClientLike[] = []
  let count = 0

  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map(closeQuietly))
  })
  afterAll(async () => {
    await server?.stop()
  })

  async function client(kind: ClientKind = 'node-redis'): Promise<RedisClientLike> {
    const made = await connect(kind, server.socket)
    clients.push(made)
    return made
  }

  for (const kind of ['node-redis', 'ioredis', 'iovalkey'] as const) {
    it(`${kind}: two instances racing on one proof accept it exactly once`, async () => {
      const prefix = `r${++count}:`
      const a = createRedisReplayStore({ client: await client(kind), prefix })
      const b = createRedisReplayStore({ client: await client(kind), prefix })
      const ids = Array.from({ length: 50 }, (_, i) => proofId(`jti-${i}`))
      const answers = await Promise.all(ids.flatMap((id) => [a.useOnce(id, 60_000), b.useOnce(id, 60_000)]))
      for (let i = 0; i < ids.length; i++)
        expect([answers[2 * i], answers[2 * i + 1]].sort()).toEqual([false, true])
    })
  }

  it('is assignable to the core contract, and keys the id under the prefix with the ttl as PX', async () => {
    const raw = await client()
    const store: ReplayStore = createRedisReplayStore({ client: await client(), prefix: 'ttl:' })
    const id = proofId('ttl')
    expect(await store.useOnce(id, 5_000)).toBe(true)
    const ttl = Number(await raw.sendCommand(['PTTL', `ttl:${id}`]))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(5_000)
    expect(await store.useOnce(id, 5_000)).toBe(false)
  })

  it('accepts the id again once its ttl has passed', async () => {
    const raw = await client()
    const store = createRedisReplayStore({ client: await client(), prefix: 'expiry:' })
    const id = proofId('short')
    expect(await store.useOnce(id, 30)).toBe(true)
    expect(await store.useOnce(id, 30)).toBe(false)
    // Redis expires the key (not the test's clock): wait until it has, then the id is new again.
    while (Number(await raw.sendCommand(['EXISTS', `expiry:${id}`])) === 1)
      await new Promise((resolve) => setTimeout(resolve, 5))
    expect(await store.useOnce(id, 30)).toBe(true)
  })

  it('hashes an id that is not the core hash, so no raw value names a key', async () => {
    const raw = await client()
    const store = createRedisReplayStore({ client: await client(), prefix: 'raw:' })
    expect(await store.useOnce('https://api.test/ a-raw-jti', 1_000)).toBe(true)
    const keys = (await raw.sendCommand(['KEYS', 'raw:*'])) as string[]
    expect(keys).toHaveLength(1)
    expect(keys[0]).not.toContain('a-raw-jti')
  })

  it('Redis down: rejects (the core answers 503), then works again after a restart', async () => {
    const store = createRedisReplayStore({ client: await client(), prefix: 'down:' })
    const id = proofId('down')
    expect(await store.useOnce(id, 60_000)).toBe(true)
    await server.kill()
    await expect(store.useOnce(proofId('other'), 60_000)).rejects.toBeInstanceOf(RedisUnavailableError)
    await server.restart()
    const again = async () => {
      for (;;) {
        try {
          return await store.useOnce(id, 60_000)
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }
    }
    // The AOF kept the proof: still a replay after the restart.
    expect(await again()).toBe(false)
  })

  it('Redis hung: rejects after commandTimeout instead of holding the request', async () => {
    const store = createRedisReplayStore({ client: await client(), prefix: 'hung:', commandTimeout: 50 })
    server.pause()
    try {
      await expect(store.useOnce(proofId('hung'), 60_000)).rejects.toBeInstanceOf(RedisUnavailableError)
    } finally {
      server.resume()
    }
  })

  it('rejects bad input: options at creation, ids and ttls at use', async () => {
    const main = await client()
    expect(() => createRedisReplayStore({ client: main.duplicate() })).toThrow(ConfigError)
    expect(() => createRedisReplayStore({ client: main, prefix: '' })).toThrow(/"prefix"/)
    const store = createRedisReplayStore({ client: main })
    await expect(store.useOnce('', 1000)).rejects.toThrow(TypeError)
    await expect(store.useOnce(proofId('x'), 0)).rejects.toThrow(TypeError)
    await expect(store.useOnce(proofId('x'), Number.NaN)).rejects.toThrow(TypeError)
  })
})
