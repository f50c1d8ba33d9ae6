/**
 * A bounded map with per-entry expiry and least-recently-used eviction: the resolved-issuer caches. A
 * `Map` keeps insertion order, so re-inserting on a hit makes its first key the least recently used.
 */
export class ExpiringLru<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>()

  constructor(
    private readonly maxEntries: number,
    private readonly ttl: number,
    /** Called with each value that leaves the cache (evicted, expired or deleted). */
    private readonly onRemove: (value: V) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The value under `key` while it lives, marked as just used; an expired entry is dropped. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    this.entries.delete(key)
    if (nowMs >= entry.expiresAt) {
      this.onRemove(entry.value)
      return undefined
    }
    this.entries.set(key, entry)
    return entry.value
  }

  set(key: string, value: V, nowMs: number): void {
    this.delete(key)
    this.entries.set(key, { value, expiresAt: nowMs + this.ttl })
    if (this.entries.size > this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, { value: V }]
      this.entries.delete(oldest)
      this.onRemove(entry.value)
    }
  }

  /** Removes `key`; true when it was there. */
  delete(key: string): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    this.entries.delete(key)
    this.onRemove(entry.value)
    return true
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
