import { ConfigError } from '../errors.js'
import { revocationRule, type RevocationRule } from './revocation-entry.js'
import {
  RevocationStoreFullError,
  type RevocationClaims,
  type RevocationEntry,
  type RevocationStore,
} from './revocation-store.js'

/** Options of {@link createMemoryRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /**
   * Most entries held (tokens and subjects together). When the store is full and no entry has expired,
   * `revoke()` rejects with a `RevocationStoreFullError`; nothing is ever evicted early. Default: 100 000
   * (about 20 MB with UUID `jti`s).
   */
  maxEntries?: number
  /**
   * Longest lifetime (`exp` − `iat`) of an accepted token, in seconds. Verifiers using the store refuse
   * longer-lived tokens, and tokens without `exp` or `iat`, with `claim_invalid`. A subject entry is kept
   * this long after its `before` (plus 300 s). Default: 86 400 (24 h). Range 1 to 31 622 400 (366 days).
   *
   * Security: it is what makes expiring entries safe. Set it to the longest lifetime your issuer really
   * gives access tokens; a larger value only keeps subject entries longer.
   */
  maxTokenLifetime?: number
  /** Current time in milliseconds since the epoch (for tests). Default: `Date.now`. */
  now?: () => number
}

/** The store {@link createMemoryRevocationStore} makes: its `isRevoked` answers synchronously. */
export interface MemoryRevocationStore extends RevocationStore {
  isRevoked(claims: RevocationClaims): boolean
}

const KNOWN_OPTIONS = new Set(['maxEntries', 'maxTokenLifetime', 'now'])
const MAX_TOKEN_LIFETIME_SECONDS = 366 * 86_400

function integer(value: unknown, option: string, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw new ConfigError(option, `must be an integer from 1 to ${max}`)
  return value
}

/** One stored revocation. Several issuers may share a `jti` or a `sub`, hence a (usually 1-long) list. */
interface Entry {
  iss: string | null
  before: number
  expiresAtMs: number
}

function applies(entry: Entry, iss: unknown): boolean {
  return entry.iss === null || entry.iss === iss
}

/**
 * An in-memory revocation store for the verifier's `revocation` option: revoke one token by `jti`, or every
 * token of a subject issued before a time ("log out everywhere"). `isRevoked` is synchronous (two `Map`
 * lookups), so a cached token stays on the verifier's synchronous fast path.
 *
 * It never evicts an entry before the tokens it revokes have expired: that would silently un-revoke a
 * token. When it holds `maxEntries` entries, it drops the expired ones; if none has expired, `revoke()`
 * rejects with a `RevocationStoreFullError`.
 *
 * Security: the store lives in one process. Revoking in one process does nothing for the others behind the
 * same load balancer; a fleet needs a shared store (`@tokenguard/redis`).
 *
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore({ maxTokenLifetime: 3600 })
 * app.use(jwtAuth({ issuer, audience, revocation }))
 * // log out everywhere: every token of the user issued until now
 * await revocation.revoke({ sub: 'user-1', before: Math.floor(Date.now() / 1000) })
 * ```
 */
export function createMemoryRevocationStore(
  options: MemoryRevocationStoreOptions = {},
): MemoryRevocationStore {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  for (const name of Object.keys(options))
    if (!KNOWN_OPTIONS.has(name)) throw new ConfigError(name, 'is not a known option')
  const maxEntries = integer(options.maxEntries, 'maxEntries', 100_000, 100_000_000)
  const maxTokenLifetime = integer(
    options.maxTokenLifetime,
    'maxTokenLifetime',
    86_400,
    MAX_TOKEN_LIFETIME_SECONDS,
  )
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new ConfigError('now', 'must be a function')
  const now = options.now ?? Date.now

  // A Map, never a plain object: a `jti` or `sub` of `__proto__` or `constructor` is just a key.
  const tokens = new Map<string, Entry[]>()
  const subjects = new Map<string, Entry[]>()
  let size = 0
  // The earliest expiry of any entry: until then a full store need not look for expired entries.
  let nextExpiryMs = Number.POSITIVE_INFINITY

  function purge(nowMs: number): void {
    if (nowMs < nextExpiryMs) return
    nextExpiryMs = Number.POSITIVE_INFINITY
    for (const map of [tokens, subjects]) {
      for (const [key, list] of map) {
        const kept = list.filter((entry) => entry.expiresAtMs > nowMs)
        size -= list.length - kept.length
        if (kept.length === 0) map.delete(key)
        else if (kept.length < list.length) map.set(key, kept)
        for (const entry of kept) nextExpiryMs = Math.min(nextExpiryMs, entry.expiresAtMs)
      }
    }
  }

  function add(rule: RevocationRule, nowMs: number): void {
    const map = rule.kind === 'jti' ? tokens : subjects
    const existing = map.get(rule.key)?.find((entry) => entry.iss === rule.iss)
    if (existing) {
      // Revoking again never shortens an entry nor lowers `before`: that would un-revoke tokens.
      existing.before = Math.max(existing.before, rule.before)
      existing.expiresAtMs = Math.max(existing.expiresAtMs, rule.expiresAtMs)
      return
    }
    if (size >= maxEntries) purge(nowMs)
    if (size >= maxEntries) throw new RevocationStoreFullError(maxEntries)
    const entry: Entry = { iss: rule.iss, before: rule.before, expiresAtMs: rule.expiresAtMs }
    const list = map.get(rule.key)
    if (list) list.push(entry)
    else map.set(rule.key, [entry])
    size++
    nextExpiryMs = Math.min(nextExpiryMs, entry.expiresAtMs)
  }

  // Frozen: a verifier created later must read the maxTokenLifetime the entries were kept for.
  return Object.freeze({
    maxTokenLifetime,

    async revoke(entry: RevocationEntry): Promise<void> {
      const nowMs = now()
      const rule = revocationRule(entry, nowMs, maxTokenLifetime)
      if (rule !== undefined) add(rule, nowMs)
    },

    isRevoked(claims: RevocationClaims): boolean {
      if (size === 0) return false
      const { jti, sub, iss, iat } = claims
      if (typeof jti === 'string') {
        const list = tokens.get(jti)
        if (list !== undefined && list.some((entry) => applies(entry, iss))) return true
      }
      if (typeof sub === 'string') {
        const list = subjects.get(sub)
        // Only an `iat` at or after `before` escapes: no `iat`, or one that is not a number (NaN), is revoked.
        if (list !== undefined)
          return list.some(
            (entry) => applies(entry, iss) && !(typeof iat === 'number' && iat >= entry.before),
          )
      }
      return false
    },
  })
}
