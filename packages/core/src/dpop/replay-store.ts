import { ConfigError } from '../errors.js'

/**
 * Remembers which DPoP proofs were used, so that a captured proof cannot be sent twice (RFC 9449 §11.1).
 *
 * `useOnce(id, ttlMs)` must be atomic: it returns `true` only the first time `id` is seen within `ttlMs`
 * milliseconds, `false` for every repeat. The core passes `id = base64url(SHA-256(htu + " " + jti))` and
 * `ttlMs = (maxAge + 2 × clockTolerance) × 1000`, the longest a proof can be accepted, so every store
 * (in memory, Redis, …) agrees. A store that throws or rejects, or answers anything but a boolean, makes
 * the request a 503 (`replay_store_unavailable`): never a pass.
 *
 * @example
 * ```ts
 * // Redis: one atomic command per proof.
 * const replayStore: ReplayStore = {
 *   useOnce: async (id, ttlMs) => (await redis.set(`dpop:${id}`, '1', { NX: true, PX: ttlMs })) === 'OK',
 * }
 * ```
 */
export interface ReplayStore {
  useOnce(id: string, ttlMs: number): boolean | Promise<boolean>
}

/** Thrown by the in-memory replay store when it holds `maxEntries` live proofs: a 503, never a pass. */
export class ReplayStoreFullError extends Error {
  constructor(maxEntries: number) {
    super(`tokenguard: the DPoP replay store holds ${maxEntries} live proofs and cannot remember more`)
    this.name = new.target.name
  }
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most proofs remembered at once. When it is full and none has expired, `useOnce` throws a
   * `ReplayStoreFullError` (the request gets a 503) rather than forget a proof that could still be
   * replayed. Default: 100 000 (about 15 MB).
   */
  maxEntries?: number
  /** Current time in milliseconds since the epoch (for tests). Default: `Date.now`. */
  now?: () => number
}

const DEFAULT_MAX_ENTRIES = 100_000

/**
 * The default DPoP replay store: one process's memory, bounded. It never forgets a proof before its
 * `ttlMs` has passed.
 *
 * Security: it protects one process. Behind a load balancer a proof used on one instance can be replayed
 * on another; share a store between instances (`@tokenguard/redis`).
 *
 * @example
 * ```ts
 * app.use(jwtAuth({ issuer, audience, dpop: { replayStore: createMemoryReplayStore({ maxEntries: 10_000 }) } }))
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new ConfigError('maxEntries', 'must be a positive integer')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') throw new ConfigError('now', 'must be a function')
  // Insertion order is expiry order whenever every proof gets the same ttl, so pruning stops at the first
  // live entry; a longer ttl inserted earlier only delays the pruning of later ones.
  const expiries = new Map<string, number>()

  function prune(nowMs: number): void {
    for (const [id, expiresAt] of expiries) {
      if (expiresAt >= nowMs) break
      expiries.delete(id)
    }
  }

  return {
    useOnce(id, ttlMs) {
      const nowMs = now()
      const seen = expiries.get(id)
      // An entry is remembered up to and including its last millisecond.
      if (seen !== undefined && seen >= nowMs) return false
      if (expiries.size >= maxEntries) prune(nowMs)
      if (expiries.size >= maxEntries) throw new ReplayStoreFullError(maxEntries)
      // Re-inserted at the end, so the map stays in expiry order.
      expiries.delete(id)
      expiries.set(id, nowMs + ttlMs)
      return true
    },
  }
}
