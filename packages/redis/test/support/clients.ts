import { Redis as IoRedis } from 'ioredis'
import { Redis as IoValkey } from 'iovalkey'
import { createClient } from 'redis'
import { fromIoredis, type RedisClientLike } from '../../src/index.js'

export type ClientKind = 'node-redis' | 'ioredis' | 'iovalkey'

/** Backoff kept short so that the outage tests do not wait for the defaults' 2 s steps. */
const retry = (attempt: number) => Math.min(20 * 2 ** attempt, 200)

/** A node-redis client on the test server's socket, connected, with an error listener (as apps have). */
export async function nodeRedis(socket: string, retryMs?: number) {
  const reconnectStrategy = retryMs === undefined ? retry : () => retryMs
  const client = createClient({ socket: { path: socket, reconnectStrategy } })
  client.on('error', () => undefined)
  return client.connect()
}

/** An ioredis or iovalkey client on the socket, once ready, wrapped. */
export async function ioClient(
  kind: 'ioredis' | 'iovalkey',
  socket: string,
  retryMs?: number,
): Promise<RedisClientLike> {
  const Client = (kind === 'ioredis' ? IoRedis : IoValkey) as typeof IoRedis
  const retryStrategy = retryMs === undefined ? retry : () => retryMs
  const client = new Client({ path: socket, retryStrategy, maxRetriesPerRequest: 1 })
  client.on('error', () => undefined)
  const wrapped = fromIoredis(client)
  await wrapped.connect()
  return wrapped
}

/** A connected client of that kind; `retryMs`: a fixed reconnect delay instead of a short backoff. */
export async function connect(kind: ClientKind, socket: string, retryMs?: number): Promise<RedisClientLike> {
  return kind === 'node-redis' ? nodeRedis(socket, retryMs) : ioClient(kind, socket, retryMs)
}

/** Closes a client, whatever state it is in. */
export async function closeQuietly(client: RedisClientLike): Promise<void> {
  try {
    if (client.isOpen) await client.close()
  } catch {
    // already down
  }
}

/**
 * Polls `condition` until it holds or `deadlineMs` has passed; tells which. A correctness bound (the
 * condition must hold by then), not a measurement: the test asserts the answer, never a duration.
 */
export async function holdsWithin(deadlineMs: number, condition: () => boolean): Promise<boolean> {
  const deadline = performance.now() + deadlineMs
  for (;;) {
    if (condition()) return true
    if (performance.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** Waits (up to 10 s) for a condition that depends on a reconnect, with its backoff. */
export async function eventually(condition: () => boolean): Promise<void> {
  if (!(await holdsWithin(10_000, condition))) throw new Error('the condition did not hold within 10 s')
}
