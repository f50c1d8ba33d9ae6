import { ConfigError } from '@tokenguard/core'
import type { RedisClientLike } from './client.js'

/** What {@link fromIoredis} uses of an `ioredis` (5, 6) or `iovalkey` client. */
export interface IoredisLike {
  readonly status: string
  call(command: string, ...args: string[]): Promise<unknown>
  duplicate(): IoredisLike
  connect(): Promise<unknown>
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  ping(): Promise<unknown>
  quit(): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
}

// Events the stores listen to, as ioredis names them: it says 'close' where node-redis says 'reconnecting'.
const EVENTS: Record<string, string[]> = {
  ready: ['ready'],
  error: ['error'],
  end: ['end'],
  reconnecting: ['close', 'reconnecting'],
}

/**
 * Makes an `ioredis` or `iovalkey` client fit the client interface of the stores. Pass the client you
 * already have (connected, or connecting: ioredis connects on creation); the wrapper adds no connection.
 *
 * Differences it bridges: ioredis sends raw commands with `call()`, tells its state by `status`, delivers
 * pub/sub messages as `'message'` events, and re-subscribes after a reconnect on its own; the wrapper's
 * `'ready'` is emitted only once that re-subscription is done (a `PING` queued behind it has answered), so
 * the revocation store re-reads Redis after it and misses nothing published meanwhile.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis' // or: import Redis from 'iovalkey'
 * import { createRedisReplayStore, fromIoredis } from '@tokenguard/redis'
 *
 * const replayStore = createRedisReplayStore({ client: fromIoredis(new Redis('redis://localhost:6379')) })
 * ```
 */
export function fromIoredis(client: IoredisLike): RedisClientLike {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.status !== 'string' ||
    typeof client.call !== 'function' ||
    typeof client.duplicate !== 'function'
  )
    throw new ConfigError('client', 'must be an ioredis or iovalkey client (new Redis(...))')
  return wrap(client)
}

function wrap(client: IoredisLike): RedisClientLike {
  const readyListeners = new Set<() => void>()
  // Wrapped listeners, so that off() finds what on() registered.
  const registered = new Map<(...args: unknown[]) => void, Array<[string, (...args: unknown[]) => void]>>()
  const channels = new Map<string, (message: string, channel: string) => void>()

  client.on('message', ((channel: string, message: string) => {
    channels.get(channel)?.(message, channel)
  }) as (...args: unknown[]) => void)
  client.on('ready', () => {
    if (readyListeners.size === 0) return
    // Queued after ioredis' own re-SUBSCRIBE on this connection, so its answer comes after that one's.
    client.ping().then(
      () => {
        if (client.status === 'ready') for (const listener of readyListeners) listener()
      },
      () => undefined, // the connection dropped again: its 'close' is on its way
    )
  })

  return {
    get isOpen() {
      return client.status !== 'wait' && client.status !== 'end'
    },
    get isReady() {
      return client.status === 'ready'
    },
    sendCommand: ([command, ...args]) => client.call(command as string, ...args),
    duplicate: () => wrap(client.duplicate()),
    async connect() {
      // ioredis connects on creation unless `lazyConnect`; connect() on a connecting client throws.
      if (client.status === 'wait') return client.connect()
      if (client.status === 'ready') return undefined
      return new Promise<void>((resolve, reject) => {
        const ready = () => {
          client.off('ready', ready)
          client.off('end', end)
          resolve()
        }
        const end = () => {
          client.off('ready', ready)
          client.off('end', end)
          reject(new Error('the ioredis connection ended before it was ready'))
        }
        client.on('ready', ready)
        client.on('end', end)
      })
    },
    async subscribe(channel, listener) {
      channels.set(channel, listener)
      return client.subscribe(channel)
    },
    async unsubscribe(channel) {
      channels.delete(channel)
      return client.unsubscribe(channel)
    },
    on(event, listener) {
      if (event === 'ready') {
        readyListeners.add(listener as () => void)
        return this
      }
      const names = EVENTS[event] ?? [event]
      registered.set(
        listener,
        names.map((name) => [name, listener]),
      )
      for (const name of names) client.on(name, listener)
      return this
    },
    off(event, listener) {
      if (event === 'ready') {
        readyListeners.delete(listener as () => void)
        return this
      }
      for (const [name, wrapped] of registered.get(listener) ?? []) client.off(name, wrapped)
      registered.delete(listener)
      return this
    },
    async close() {
      const ended = new Promise<void>((resolve) => client.on('end', () => resolve()))
      await client.quit()
      // quit() resolves on Redis' OK, before the socket is closed: wait for it, as node-redis' close() does.
      if (client.status !== 'end') await ended
    },
  }
}
