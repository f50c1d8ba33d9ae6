import { createHash } from 'node:crypto'
import type { ReplayStore } from '@tokenguard/core'
import { checkClient, RedisUnavailableError, send, type RedisClientLike } from './client.js'
import { checkOptionNames, integerOption, prefixOption } from './options.js'

// The core's DPoP replay store contract (RFC 9449 §11.1), re-exported so that one import is enough.
export type { ReplayStore }

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** A connected node-redis client, or `fromIoredis(client)`. */
  client: RedisClientLike
  /** Prefix of every key. Instances sharing proofs use the same one. Default: `'tokenguard:dpop:'`. */
  prefix?: string
  /** Longest wait for Redis, in milliseconds; past it the request is a 503. Default: 1 000. */
  commandTimeout?: number
}

/** The store {@link createRedisReplayStore} makes. */
export interface RedisReplayStore extends ReplayStore {
  useOnce(id: string, ttlMs: number): Promise<boolean>
}

// What the core passes: base64url SHA-256, 43 characters. Anything else is hashed before it names a key.
const HASHED_ID = /^[A-Za-z0-9_-]{43}$/
const MAX_TTL_MS = 86_400_000

/**
 * A DPoP replay store shared by every instance using the same Redis and prefix: one atomic
 * `SET <prefix><id> 1 NX PX <ttlMs>` per proof, so two instances racing on the same proof accept it at
 * most once. One round trip per DPoP request.
 *
 * Redis down (not connected, an error, or no answer within `commandTimeout`): `useOnce` rejects with a
 * `RedisUnavailableError` and the core answers 503 `replay_store_unavailable`. It never answers `true`
 * without Redis having stored the proof.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createRedisReplayStore } from '@tokenguard/redis'
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const replayStore = createRedisReplayStore({ client })
 * const first = await replayStore.useOnce('proof-id', 300_000) // true; false for a replay
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  const o = checkOptionNames(options, ['client', 'prefix', 'commandTimeout'])
  const client = checkClient(o.client, 'client')
  const prefix = prefixOption(o.prefix, 'tokenguard:dpop:')
  const timeout = integerOption(o.commandTimeout, 'commandTimeout', 1_000, 1, 60_000)
  const onError = () => undefined // connection errors must not crash the process; useOnce reports them
  client.on('error', onError)

  return Object.freeze({
    async useOnce(id: string, ttlMs: number): Promise<boolean> {
      if (typeof id !== 'string' || id.length === 0)
        throw new TypeError('tokenguard: useOnce(): id must be a string')
      if (typeof ttlMs !== 'number' || !(ttlMs > 0) || ttlMs > MAX_TTL_MS)
        throw new TypeError(`tokenguard: useOnce(): ttlMs must be a number from 1 to ${MAX_TTL_MS}`)
      const key = prefix + (HASHED_ID.test(id) ? id : createHash('sha256').update(id).digest('base64url'))
      const reply = await send(client, ['SET', key, '1', 'NX', 'PX', String(Math.ceil(ttlMs))], timeout)
      if (reply === 'OK') return true
      if (reply === null) return false
      throw new RedisUnavailableError('Redis answered SET NX with something else than OK or nil')
    },
  })
}
