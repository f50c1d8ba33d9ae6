import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError } from '@tokenguard/core'
import { Redis as IoRedis } from 'ioredis'
import { Redis as IoValkey } from 'iovalkey'
import { createClient } from 'redis'
import { fromIoredis, type IoredisLike, type RedisClientLike } from '../src/index.js'
import { eventually } from './support/clients.js'
import { redisServerAvailable, startRedisServer, type RedisServer } from './support/redis-server.js'

const describeRedis = redisServerAvailable() ? describe : describe.skip

describe('fromIoredis, without a server', () => {
  it('refuses what is not an ioredis or iovalkey client with a ConfigError', () => {
    expect(() => fromIoredis({} as IoredisLike)).toThrow(ConfigError)
    const nodeRedis = createClient() as unknown as IoredisLike
    expect(() => fromIoredis(nodeRedis)).toThrow(/ioredis/)
  })

  it('types: a node-redis client fits the interface as it is', () => {
    const client: RedisClientLike = createClient()
    expect(client.isOpen).toBe(false)
  })
})

describeRedis('fromIoredis, against a real redis-server', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  for (const [kind, Client] of [
    ['ioredis', IoRedis],
    ['iovalkey', IoValkey as unknown as typeof IoRedis],
  ] as const) {
    it(`${kind}: commands, state, pub/sub on a duplicate, and events across a restart`, async () => {
      const raw = new Client({ path: server.socket, lazyConnect: true, retryStrategy: () => 20 })
      const client = fromIoredis(raw)
      expect([client.isOpen, client.isReady]).toEqual([false, false])
      await client.connect()
      expect([client.isOpen, client.isReady]).toEqual([true, true])
      expect(await client.sendCommand(['SET', `${kind}:k`, 'v', 'NX', 'PX', '60000'])).toBe('OK')
      expect(await client.sendCommand(['SET', `${kind}:k`, 'v', 'NX', 'PX', '60000'])).toBeNull()

      const subscriber = client.duplicate()
      await subscriber.connect()
      const messages: string[] = []
      await subscriber.subscribe(`${kind}:channel`, (message) => messages.push(message))
      await client.sendCommand(['PUBLISH', `${kind}:channel`, 'hello'])
      await eventually(() => messages.length === 1)

      const events: string[] = []
      const onDown = () => events.push('down')
      const onReady = () => events.push('ready')
      const onError = () => undefined
      subscriber.on('reconnecting', onDown)
      subscriber.on('ready', onReady)
      subscriber.on('error', onError)
      await server.restart()
      await eventually(() => events.includes('ready'))
      expect(events[0]).toBe('down')
      // 'ready' comes once the re-subscription is done: a message published now arrives.
      await client.sendCommand(['PUBLISH', `${kind}:channel`, 'again'])
      await eventually(() => messages.includes('again'))

      subscriber.off('reconnecting', onDown)
      subscriber.off('ready', onReady)
      await subscriber.unsubscribe(`${kind}:channel`)
      await subscriber.close()
      await client.close()
      expect(client.isOpen).toBe(false)
    })
  }
})
