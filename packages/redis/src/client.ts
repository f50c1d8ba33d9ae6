import { ConfigError } from '@tokenguard/core'

/**
 * The few things the stores need of a Redis connection. A connected `redis` (node-redis 5 or 6) client has
 * them as it is; wrap an `ioredis` or `iovalkey` client with `fromIoredis(client)`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import type { RedisClientLike } from '@tokenguard/redis'
 *
 * const client: RedisClientLike = await createClient({ url: 'redis://localhost:6379' }).connect()
 * ```
 */
export interface RedisClientLike {
  /** The connection was opened (`connect()` called) and not closed; it may be reconnecting. */
  readonly isOpen: boolean
  /** The connection is up and takes commands now. */
  readonly isReady: boolean
  /** Sends one command, e.g. `['SET', key, '1', 'NX', 'PX', '60000']`, and resolves with its reply. */
  sendCommand(args: string[]): Promise<unknown>
  /** A new, not yet connected client with the same options (for the subscriber connection). */
  duplicate(): RedisClientLike
  connect(): Promise<unknown>
  /** Subscribes to one channel; `listener` gets each message as a string. */
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  /** Events used: `'ready'`, `'error'`, `'end'`, `'reconnecting'`. */
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  /** Closes the connection after pending replies. */
  close(): Promise<unknown>
}

/**
 * A Redis command failed, timed out or could not be sent because the connection is down; or the revocation
 * store's view cannot be trusted (not loaded yet, stale past `staleWindow`, closed). The verifier turns it
 * into a 503 (`revocation_unavailable`, `replay_store_unavailable`); `revoke()` rejects with it.
 *
 * @example
 * ```ts
 * try {
 *   await revocation.revoke({ jti, exp, iss })
 * } catch (error) {
 *   if (error instanceof RedisUnavailableError) res.status(503).json({ error: 'try_again' })
 * }
 * ```
 */
export class RedisUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`tokenguard: ${message}`, options)
    this.name = new.target.name
  }
}

const METHODS = ['sendCommand', 'duplicate', 'connect', 'subscribe', 'unsubscribe', 'on', 'off', 'close']

/**
 * Checks, at start-up, that `value` is a client the stores can use: the right kind and connected. An
 * ioredis / iovalkey client (it has `status` and `call`) is named, with the wrapper to use.
 */
export function checkClient(value: unknown, option: string, connected = true): RedisClientLike {
  if (typeof value !== 'object' || value === null)
    throw new ConfigError(option, 'must be a connected node-redis client (createClient().connect())')
  const client = value as Record<string, unknown>
  if (typeof client.status === 'string' && typeof client.call === 'function')
    throw new ConfigError(option, 'is an ioredis or iovalkey client: wrap it with fromIoredis(client)')
  for (const method of METHODS) {
    if (typeof client[method] !== 'function')
      throw new ConfigError(
        option,
        `must be a node-redis client or fromIoredis(client): it has no ${method}()`,
      )
  }
  if (typeof client.isOpen !== 'boolean' || typeof client.isReady !== 'boolean')
    throw new ConfigError(option, 'must be a node-redis client or fromIoredis(client): it has no isReady')
  if (connected && !client.isOpen)
    throw new ConfigError(option, 'is not connected: await client.connect() before creating the store')
  return value as RedisClientLike
}

/**
 * Sends a command, failing fast instead of queueing when the connection is down: node-redis and ioredis
 * both hold commands in an offline queue until they reconnect, which would hang a request instead of
 * answering 503. A command that takes longer than `timeoutMs` rejects (it may still run later).
 */
export async function send(client: RedisClientLike, args: string[], timeoutMs: number): Promise<unknown> {
  if (!client.isReady) throw new RedisUnavailableError('Redis is not connected')
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RedisUnavailableError(`Redis did not answer ${args[0]} within ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([client.sendCommand(args), timeout])
  } catch (cause) {
    if (cause instanceof RedisUnavailableError) throw cause
    throw new RedisUnavailableError(`Redis ${args[0]} failed`, { cause })
  } finally {
    clearTimeout(timer)
  }
}
