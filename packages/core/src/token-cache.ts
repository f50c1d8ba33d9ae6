import { LRUCache } from 'lru-cache'
import type { TokenTimes } from './claims.js'
import { cacheEvictChannel, type CacheEvictMessage } from './diagnostics.js'
import type { TrustedIssuer } from './resolve-options.js'
import type { VerifiedToken } from './types.js'

/**
 * The verified-token cache. A client reuses its access token for minutes; verifying the signature again
 * on every request is wasted work. An entry serves only the exact compact token it was made for (found by
 * the token's tail, then compared in full), which the strict syntax check made canonical before it was
 * first verified; the cache is per verifier, so the configuration is
 * part of the key by construction. Only successes are stored: a failure can never poison a valid token.
 */

/** A verification and its time claims (re-checked on every hit). */
export interface CachedVerification extends TokenTimes {
  result: VerifiedToken
  issuer: TrustedIssuer
  /** The issuer's key generation when verified: a later rotation that removes a key invalidates this. */
  generation: number
}

export interface TokenCacheStats {
  hits: number
  misses: number
  size: number
  /** Estimated heap bytes the entries hold (the slots reserved up front are charged to maxBytes apart). */
  bytes: number
}

/**
 * Heap an entry holds besides its result (which `deepFreeze` measured, token text included): the entry
 * record, the slot key (a slice of the token), the slice or concatenation the token string itself usually
 * is, and lru-cache's Map entry. Measured, like the rest of the charge, by `bench/src/memory-bench.js`.
 */
const ENTRY_BYTES = 256

/**
 * What lru-cache allocates per slot up front, whether used or not: five arrays of 8-byte slots (keys,
 * values, sizes, TTLs, start times) and three of at most 4 bytes (links and the free list).
 */
const SLOT_BYTES = 52

/**
 * Least bytes charged for one entry, whatever its token. It also sets how many slots lru-cache reserves,
 * so the slots a cache of large entries never uses cost at most SLOT_BYTES / MIN_ENTRY_BYTES of maxBytes.
 */
const MIN_ENTRY_BYTES = 1024

/**
 * Characters of the token the LRU is keyed on: its tail, i.e. the end of the signature, which differs
 * between any two tokens an issuer signed. Hashing a 600-character token for every lookup costs more than
 * everything else a cache hit does; an entry only counts as a hit when its whole token is identical, so
 * two tokens sharing a tail can at worst take turns in one slot, and a forged token never matches.
 */
const SLOT_CHARS = 32

const slotOf = (token: string) => token.slice(-SLOT_CHARS)

export class TokenCache {
  private readonly lru: LRUCache<string, CachedVerification>
  private hits = 0
  private misses = 0

  constructor(maxEntries: number, maxBytes: number) {
    // lru-cache preallocates its bookkeeping for `max` slots up front, so a huge `maxEntries` would cost
    // heap beyond `maxBytes` before anything is cached. More than maxBytes / MIN_ENTRY_BYTES entries can
    // never fit anyway, and what the slots cost comes off the bytes left for entries.
    const slots = Math.min(maxEntries, Math.floor(maxBytes / MIN_ENTRY_BYTES))
    this.lru = new LRUCache<string, CachedVerification>({
      max: slots,
      maxSize: maxBytes - slots * SLOT_BYTES,
      dispose: (_entry, _slot, reason) => {
        if (!cacheEvictChannel.hasSubscribers) return
        const why = reason === 'delete' ? this.deleting : reason === 'expire' ? 'expire' : 'evict'
        cacheEvictChannel.publish({ reason: why, size: this.lru.size, bytes: this.lru.calculatedSize })
      },
    })
  }

  /** Why the next `lru.delete` happens, for the `tokenguard:cache:evict` event. */
  private deleting: CacheEvictMessage['reason'] = 'expire'

  private remove(slot: string, reason: CacheEvictMessage['reason']): void {
    this.deleting = reason
    this.lru.delete(slot)
  }

  /** A usable entry for exactly `token`, or `undefined`. Entries made stale by key rotation are dropped. */
  get(token: string): CachedVerification | undefined {
    const entry = this.lru.get(slotOf(token))
    if (entry === undefined || entry.result.token !== token) {
      this.misses++
      return undefined
    }
    if (!this.isCurrent(entry)) {
      this.remove(slotOf(token), 'stale')
      this.misses++
      return undefined
    }
    this.hits++
    return entry
  }

  /**
   * Stores a verification for at most `lifetimeMs` (real time; the token's `exp` is re-checked anyway).
   * `resultBytes` is what `deepFreeze` returned for `entry.result`: the charge is computed once per miss,
   * never on a hit.
   */
  set(token: string, entry: CachedVerification, lifetimeMs: number | undefined, resultBytes: number): void {
    if (lifetimeMs !== undefined && lifetimeMs <= 0) return
    const size = Math.max(MIN_ENTRY_BYTES, ENTRY_BYTES + resultBytes)
    this.lru.set(
      slotOf(token),
      entry,
      lifetimeMs === undefined ? { size } : { ttl: Math.ceil(lifetimeMs), size },
    )
  }

  /**
   * Drops the entry of exactly `token` (never another token's entry in the same slot): `expire` when its
   * time claims no longer pass, `stale` when a key rotation made it unusable.
   */
  delete(token: string, reason: CacheEvictMessage['reason'] = 'expire'): void {
    const slot = slotOf(token)
    if (this.lru.peek(slot)?.result.token === token) this.remove(slot, reason)
  }

  /** Whether the key that verified `entry` may still be in its issuer's set (checked after a refresh). */
  isCurrent(entry: CachedVerification): boolean {
    return entry.generation === entry.issuer.keys.generation
  }

  /** Drops an entry a key refresh made stale after `get` returned it; that lookup counts as a miss. */
  invalidate(token: string): void {
    this.delete(token, 'stale')
    this.hits--
    this.misses++
  }

  stats(): TokenCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.lru.size, bytes: this.lru.calculatedSize }
  }
}
