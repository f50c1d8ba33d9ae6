import type { RevocationClaims, RevocationRule } from '@tokenguard/core'

/** One entry of the view. Several issuers may share a `jti` or a `sub`, hence a (usually 1-long) list. */
interface ViewEntry {
  iss: string | null
  before: number
  expiresAtMs: number
}

function applies(entry: ViewEntry, iss: unknown): boolean {
  return entry.iss === null || entry.iss === iss
}

/**
 * This instance's copy of the revocation entries held in Redis, asked on every request: two `Map` lookups,
 * synchronous. It matches exactly as the core's memory store does, and only ever grows an entry (a later
 * `before`, a later expiry), whatever order the entries arrive in: from `revoke()`, pub/sub or a re-read.
 */
export class LocalView {
  // Maps, never plain objects: a `jti` or `sub` of `__proto__` is just a key.
  readonly #tokens = new Map<string, ViewEntry[]>()
  readonly #subjects = new Map<string, ViewEntry[]>()
  #size = 0

  get size(): number {
    return this.#size
  }

  apply(rule: RevocationRule): void {
    const map = rule.kind === 'jti' ? this.#tokens : this.#subjects
    const list = map.get(rule.key)
    const existing = list?.find((entry) => entry.iss === rule.iss)
    if (existing) {
      existing.before = Math.max(existing.before, rule.before)
      existing.expiresAtMs = Math.max(existing.expiresAtMs, rule.expiresAtMs)
      return
    }
    const entry = { iss: rule.iss, before: rule.before, expiresAtMs: rule.expiresAtMs }
    if (list) list.push(entry)
    else map.set(rule.key, [entry])
    this.#size++
  }

  /** Drops the entries whose tokens have all expired (they match only expired tokens anyway). */
  prune(nowMs: number): void {
    for (const map of [this.#tokens, this.#subjects]) {
      for (const [key, list] of map) {
        const kept = list.filter((entry) => entry.expiresAtMs > nowMs)
        this.#size -= list.length - kept.length
        if (kept.length === 0) map.delete(key)
        else if (kept.length < list.length) map.set(key, kept)
      }
    }
  }

  isRevoked({ jti, sub, iss, iat }: RevocationClaims): boolean {
    if (this.#size === 0) return false
    if (typeof jti === 'string') {
      const list = this.#tokens.get(jti)
      if (list !== undefined && list.some((entry) => applies(entry, iss))) return true
    }
    if (typeof sub === 'string') {
      const list = this.#subjects.get(sub)
      // Only an `iat` at or after `before` escapes: no `iat`, or one that is not a number, is revoked.
      if (list !== undefined)
        return list.some((entry) => applies(entry, iss) && !(typeof iat === 'number' && iat >= entry.before))
    }
    return false
  }
}
