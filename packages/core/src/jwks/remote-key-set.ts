import { createLocalJWKSet, errors, type JWK, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose'
import { AuthError } from '../errors.js'
import { rememberKeys, type RememberingResolver } from '../keys/key-memo.js'
import type { KeySource, VerificationKey } from '../keys/key-source.js'
import { FetchJsonError, fetchJson, type FetchJsonOptions } from './fetch-json.js'
import { selectUsableKeys } from './usable-keys.js'

/** Resolved JWK Set settings, all durations in milliseconds (see `JwksOptions` for the defaults). */
export interface RemoteKeySetSettings extends FetchJsonOptions {
  cooldown: number
  cacheMaxAge: number
  minCacheAge: number
  maxCacheAge: number
  refreshAhead: number
  staleWindow: number
  maxKeys: number
  now: () => number
}

/** After a failed fetch, wait at least this long (or the cooldown, if shorter) before trying again. */
const RETRY_AFTER_FAILURE_MS = 5_000

type LocalKeySet = RememberingResolver

/** Identity of a key for rotation tracking: its `kid` and its public material. */
function keyIdentity(jwk: JWK): string {
  return [jwk.kid, jwk.kty, jwk.crv, jwk.n, jwk.e, jwk.x, jwk.y].join('|')
}

/**
 * A remote JWK Set (RFC 7517 §5) with the lifecycle jose's `createRemoteJWKSet` lacks:
 * - one fetch in flight at a time, shared by every caller (a cold stampede makes one request);
 * - `Cache-Control: max-age` honoured within [minCacheAge, maxCacheAge], else `cacheMaxAge`;
 * - a background refresh `refreshAhead` before expiry, so requests do not wait on the issuer;
 * - an unknown `kid` refetches at most once per `cooldown`;
 * - stale-if-error: while refreshes fail, the last good keys serve for `staleWindow` after expiry;
 * - failures (timeout, HTTP error, oversized or invalid body) surface as `keys_unavailable` (503).
 * Key selection and key import stay jose's (`createLocalJWKSet`).
 */
export class RemoteKeySet implements KeySource {
  generation = 0
  private keySet: LocalKeySet | undefined
  private identities: ReadonlySet<string> = new Set()
  private expiresAt = 0
  private lastAttemptAt = Number.NEGATIVE_INFINITY
  private lastAttemptFailed = false
  private lastError: unknown
  private inFlight: Promise<void> | undefined

  constructor(
    private readonly resolveUri: () => Promise<string>,
    private readonly settings: RemoteKeySetSettings,
  ) {
    this.getKey = this.getKey.bind(this)
  }

  /** Fetches the set now unless a fetch is already in flight; resolves when it is done. */
  reload(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = undefined
    })
    return this.inFlight
  }

  async getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey> {
    const keySet = await this.currentKeySet()
    try {
      return await keySet(header, token)
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !this.mayRefetchForUnknownKey()) throw error
      await this.reloadOrUnavailable()
      return (this.keySet as LocalKeySet)(header, token)
    }
  }

  freshen(nowMs: number): Promise<void> | undefined {
    if (this.keySet !== undefined && nowMs < this.expiresAt - this.settings.refreshAhead) return undefined
    return this.currentKeySet().then(() => undefined)
  }

  knownKey(alg: string, kid: unknown, nowMs: number): VerificationKey | undefined {
    // Only while no refresh is due: otherwise `getKey` must run, and refresh the set.
    if (this.keySet === undefined || nowMs >= this.expiresAt - this.settings.refreshAhead) return undefined
    return this.keySet.known(alg, kid)
  }

  private async currentKeySet(): Promise<LocalKeySet> {
    const now = this.settings.now()
    if (this.keySet === undefined) {
      await this.reloadOrUnavailable()
      return this.keySet as unknown as LocalKeySet
    }
    if (now >= this.expiresAt) {
      if (this.mayRetry(now)) await this.reload().catch(() => undefined)
      if (this.settings.now() < this.expiresAt) return this.keySet
      if (now < this.expiresAt + this.settings.staleWindow) return this.keySet
      throw new AuthError('keys_unavailable', { cause: this.lastError })
    }
    if (now >= this.expiresAt - this.settings.refreshAhead && this.mayRetry(now)) {
      // Refresh ahead of expiry in the background; a failure is recorded and retried later.
      this.reload().catch(() => undefined)
    }
    return this.keySet
  }

  private mayRetry(now: number): boolean {
    if (this.inFlight) return true
    if (!this.lastAttemptFailed) return true
    return now - this.lastAttemptAt >= Math.min(RETRY_AFTER_FAILURE_MS, this.settings.cooldown)
  }

  private mayRefetchForUnknownKey(): boolean {
    return this.inFlight !== undefined || this.settings.now() - this.lastAttemptAt >= this.settings.cooldown
  }

  private async reloadOrUnavailable(): Promise<void> {
    if (!this.mayRetry(this.settings.now()))
      throw new AuthError('keys_unavailable', { cause: this.lastError })
    try {
      await this.reload()
    } catch (cause) {
      throw new AuthError('keys_unavailable', { cause })
    }
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptAt = this.settings.now()
    try {
      const uri = await this.resolveUri()
      const { body, maxAge } = await fetchJson(uri, this.settings)
      const candidates = (body as { keys?: unknown } | null)?.keys
      if (!Array.isArray(candidates)) throw new FetchJsonError('response is not a JWK Set')
      const { keys } = selectUsableKeys(candidates, this.settings.maxKeys)
      this.install(keys, maxAge)
      this.lastAttemptFailed = false
      this.lastError = undefined
    } catch (error) {
      this.lastAttemptFailed = true
      this.lastError = error
      throw error
    }
  }

  private install(keys: JWK[], maxAgeSeconds: number | undefined): void {
    const identities = new Set(keys.map(keyIdentity))
    for (const previous of this.identities) {
      if (!identities.has(previous)) {
        this.generation++
        break
      }
    }
    const { minCacheAge, maxCacheAge, cacheMaxAge } = this.settings
    const age =
      maxAgeSeconds === undefined
        ? cacheMaxAge
        : Math.min(maxCacheAge, Math.max(minCacheAge, maxAgeSeconds * 1000))
    this.identities = identities
    this.keySet = rememberKeys(createLocalJWKSet({ keys }))
    this.expiresAt = this.settings.now() + age
  }
}
