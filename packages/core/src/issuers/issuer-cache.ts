import { LRUCache } from 'lru-cache'

/**
 * A bounded map with per-entry expiry and least-recently-used eviction: the resolved-issuer caches. Every
 * cached tenant's verification looks its issuer up here, so a hit must not churn the map: lru-cache moves
 * the entry within preallocated index arrays, where re-inserting into a `Map` (the previous design) left a
 * hole per hit and made V8 rebuild the whole table every few thousand hits (measured at 10 000 tenants:
 * about a microsecond a verification, much of it garbage). Expiry stays here, on the verifier's clock.
 */
export class ExpiringLru<V> {
  private readonly entries: LRUCache<string, { value: V; expiresAt: number }>

  constructor(
    maxEntries: number,
    private readonly ttl: number,
    /** Called with each value that leaves the cache (evicted, expired, replaced or deleted). */
    onRemove: (value: V) => void = () => undefined,
  ) {
    this.entries = new LRUCache({ max: maxEntries, dispose: (entry) => onRemove(entry.value) })
  }

  get size(): number {
    return this.entries.size
  }

  /** The value under `key` while it lives, marked as just used; an expired entry is dropped. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (nowMs < entry.expiresAt) return entry.value
    this.entries.delete(key)
    return undefined
  }

  set(key: string, value: V, nowMs: number): void {
    this.entries.set(key, { value, expiresAt: nowMs + this.ttl })
  }

  /** Removes `key`; true when it was there. */
  delete(key: string): boolean {
    return this.entries.delete(key)
  }
}

/**
 * At most `capacity` calls per minute, refilled continuously: what a flood of unknown issuers may cost the
 * resolver (or `isTenantAllowed`), however many distinct `iss` values it brings.
 */
export class CallBudget {
  private tokens: number
  private at: number

  constructor(
    private readonly capacity: number,
    nowMs: number,
  ) {
    this.tokens = capacity
    this.at = nowMs
  }

  /** Spends one call if one is left. */
  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.at)
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.capacity) / 60_000)
    this.at = nowMs
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
