import type { RevocationClaims, RevocationStore } from '@tokenguard/core'
import type { RedisClientLike } from '../client.js'

/** Options of {@link createRedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  /** A connected node-redis client, or `fromIoredis(client)`. Used for writes and re-reads. */
  client: RedisClientLike
  /**
   * A second, dedicated connection for pub/sub (a subscribed connection takes no other command). Default:
   * `client.duplicate()`, connected, owned and closed by the store. One you pass must be connected, is not
   * closed by `close()` and must not be `client`.
   */
  subscriber?: RedisClientLike
  /**
   * Prefix of every key and of the pub/sub channel. Every instance sharing revocations uses the same one.
   * Default: `'tokenguard:revocation:'`.
   */
  prefix?: string
  /**
   * Longest lifetime (`exp` − `iat`) of an accepted token, in seconds; as in the core's memory store
   * (subject entries are kept this long after their `before`, plus 300 s). Default: 86 400. Every instance
   * sharing the prefix should use the same value.
   */
  maxTokenLifetime?: number
  /**
   * Most entries held in Redis (tokens and subjects together). A `revoke()` of a new entry when as many
   * live entries are held rejects with a `RevocationStoreFullError`: nothing is ever evicted early.
   * Default: 100 000.
   */
  maxEntries?: number
  /**
   * How long, in milliseconds, the local view keeps answering after the store lost Redis (the subscriber
   * connection dropped, or a re-read failed): revocations written meanwhile by other instances are not
   * seen for up to this long. After it, every request with a token is a 503 `revocation_unavailable`
   * until the store is back in sync. `0` fails closed at once. Default: 30 000 (30 s).
   *
   * Security: this is the longest a revoked token may still be accepted by an instance cut off from
   * Redis. Like the JWK Set's `staleWindow`, it trades that for availability; shorten it (or set 0) if
   * revocation matters more to you than availability during a Redis outage.
   */
  staleWindow?: number
  /**
   * How often, in milliseconds, the store reads the revision counter to catch a message it missed (a
   * silently broken subscriber connection); a gap found twice in a row re-reads every entry. Default:
   * 5 000. Connection loss itself is seen at once, through the client's events.
   */
  checkInterval?: number
  /** Longest wait for one Redis command, in milliseconds. Default: 2 000. */
  commandTimeout?: number
  /**
   * Called with each Redis problem the store sees (connection errors, failed re-reads, malformed
   * entries). Default: one `console.warn` line when the store goes out of sync, none while it stays out,
   * and one when it is back.
   */
  onError?: (error: Error) => void
  /** Current time in milliseconds since the epoch (for tests). Default: `Date.now`. */
  now?: () => number
}

/** Where the store stands: `live` answers from a complete view; `stale` from a view that may lag. */
export type RedisRevocationStatus = 'starting' | 'live' | 'stale' | 'unavailable' | 'closed'

/** The store {@link createRedisRevocationStore} makes. */
export interface RedisRevocationStore extends RevocationStore {
  /**
   * Answers from the local view, synchronously. Throws (the verifier answers 503
   * `revocation_unavailable`) before the first load, once the view is older than `staleWindow`, and
   * after `close()`.
   */
  isRevoked(claims: RevocationClaims): boolean
  /**
   * Resolves once the view is loaded and subscribed; rejects with a `RedisUnavailableError` when the
   * attempt under way fails (the store keeps retrying: call it again to wait for the next attempt). Await
   * it before the server listens.
   */
  ready(): Promise<void>
  /** Where the store stands now. */
  readonly status: RedisRevocationStatus
  /** Stops timers, unsubscribes, removes its listeners and closes the subscriber it made. */
  close(): Promise<void>
}
