import { createLocalJWKSet, errors, type JWK, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose'
import {
  cooldownChannel,
  errorText,
  jwksFetchChannel,
  refreshAheadChannel,
  staleKeysChannel,
  type FetchTrigger,
  type JwksFetchMessage,
} from '../diagnostics.js'
import { AuthError } from '../errors.js'
import { rememberKeys, type RememberingResolver } from '../keys/key-memo.js'
import type { KeySource, VerificationKey } from '../keys/key-source.js'
import { FetchJsonError, fetchJson, type FetchedJson, type FetchJsonOptions } from './fetch-json.js'
import type { JwksLocation } from './jwks-location.js'
import { safeText } from '../reason.js'
import { selectUsableKeys } from './usable-keys.js'

/** Resolved JWK Set settings, all durations in milliseconds (see `JwksOptions` for the defaults). */
export interface RemoteKeySetSettings extends FetchJsonOptions {
  /** Hosts whose discovered `jwks_uri` may use plain `http:` (the `allowHttpHosts` option). */
  allowHttpHosts?: ReadonlySet<string>
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

/**
 * Identity of a key for rotation tracking: its `kid`, its public material, and the members that decide
 * which tokens it may verify (`alg`, `use`, `key_ops`). Republishing the same material under another `alg`
 * must drop cached verifications made under the old one, exactly like removing the key.
 */
function keyIdentity(jwk: JWK): string {
  const { kid, kty, crv, n, e, x, y, alg, use, key_ops } = jwk
  return JSON.stringify([kid, kty, crv, n, e, x, y, alg, use, key_ops])
}

/** The JWK Set URL answered "not here": a discovered URL may have moved. */
function isGone(error: unknown): boolean {
  return error instanceof FetchJsonError && (error.status === 404 || error.status === 410)
}

/**
 * A remote JWK Set (RFC 7517 §5) with the lifecycle jose's `createRemoteJWKSet` lacks:
 * - one fetch in flight at a time, shared by every caller (a cold stampede makes one request);
 * - `Cache-Control: max-age` honoured within [minCacheAge, maxCacheAge], else `cacheMaxAge`;
 * - a background refresh `refreshAhead` before expiry, so requests do not wait on the issuer;
 * - an unknown `kid` refetches at once after any fetch it did not cause (first load, scheduled refresh,
 *   refresh ahead), since its key may have been published just after that fetch; refetches caused by
 *   unknown `kid`s stay at least `cooldown` apart, so a flood of made-up `kid`s costs one request per
 *   cooldown (plus the one each scheduled fetch arms);
 * - after a failed fetch, no new attempt for min(5 s, `cooldown`);
 * - stale-if-error: while refreshes fail, the last good keys serve for `staleWindow` after expiry;
 * - a 404 or 410 asks the location whether the set moved (re-discovery) and follows it;
 * - failures (timeout, HTTP error, oversized or invalid body) surface as `keys_unavailable` (503).
 * Key selection and key import stay jose's (`createLocalJWKSet`).
 */
export class RemoteKeySet implements KeySource {
  generation = 0
  private keySet: LocalKeySet | undefined
  private identities: ReadonlySet<string> = new Set()
  private expiresAt = 0
  private lastAttemptAt = Number.NEGATIVE_INFINITY
  private lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY
  /** Set by each successful fetch an unknown `kid` did not cause; spent by the next unknown `kid`. */
  private unknownKidRefetchArmed = false
  private lastAttemptFailed = false
  private lastError: unknown
  private inFlight: Promise<void> | undefined

  constructor(
    private readonly location: JwksLocation,
    private readonly settings: RemoteKeySetSettings,
  ) {
    this.getKey = this.getKey.bind(this)
  }

  /**
   * Fetches the set now unless a fetch is already in flight; resolves when it is done. `trigger` says why
   * (for the `tokenguard:jwks:fetch` event); `unknown-kid` refetches are spaced out by the cooldown.
   */
  reload(trigger: FetchTrigger = 'expired'): Promise<void> {
    this.inFlight ??= this.fetchKeys(trigger).finally(() => {
      this.inFlight = undefined
    })
    return this.inFlight
  }

  async getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey> {
    const keySet = await this.currentKeySet()
    try {
      return await keySet(header, token)
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error
      if (!this.mayRefetchForUnknownKey()) {
        this.publishCooldown(header.kid)
        throw error
      }
      await this.reloadOrUnavailable('unknown-kid')
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
      await this.reloadOrUnavailable('initial')
      return this.keySet as unknown as LocalKeySet
    }
    if (now >= this.expiresAt) {
      if (this.mayRetry(now)) await this.reload('expired').catch(() => undefined)
      if (this.settings.now() < this.expiresAt) return this.keySet
      if (now < this.expiresAt + this.settings.staleWindow) {
        this.publishStale(now)
        return this.keySet
      }
      throw this.unavailable(
        this.lastError,
        'the keys expired and could not be refreshed within jwks.staleWindow',
      )
    }
    if (now >= this.expiresAt - this.settings.refreshAhead && this.mayRetry(now)) {
      // Refresh ahead of expiry in the background; a failure is recorded and retried later.
      if (this.inFlight === undefined && refreshAheadChannel.hasSubscribers)
        refreshAheadChannel.publish({ url: this.location.description, expiresInMs: this.expiresAt - now })
      this.reload('refresh-ahead').catch(() => undefined)
    }
    return this.keySet
  }

  private mayRetry(now: number): boolean {
    if (this.inFlight) return true
    if (!this.lastAttemptFailed) return true
    return now - this.lastAttemptAt >= Math.min(RETRY_AFTER_FAILURE_MS, this.settings.cooldown)
  }

  private mayRefetchForUnknownKey(): boolean {
    // Joining the fetch in flight costs no request (and spends nothing).
    if (this.inFlight !== undefined) return true
    const now = this.settings.now()
    // While a failed fetch waits for its retry the `kid` is just unknown (401): not every caller gets a 503.
    if (!this.mayRetry(now)) return false
    return this.unknownKidRefetchArmed || now - this.lastUnknownKidFetchAt >= this.settings.cooldown
  }

  private async reloadOrUnavailable(trigger: FetchTrigger): Promise<void> {
    if (!this.mayRetry(this.settings.now()))
      throw this.unavailable(this.lastError, 'the last fetch failed and its retry is not due yet')
    try {
      await this.reload(trigger)
    } catch (cause) {
      throw this.unavailable(cause, 'the fetch failed')
    }
  }

  /** Runs discovery and fetches the set now (unless fresh keys are held); rejects with the fetch error. */
  async ready(): Promise<void> {
    const now = this.settings.now()
    if (this.keySet !== undefined && now < this.expiresAt) return
    // A readiness probe polled while the issuer is down must not fetch more often than verifications do.
    if (!this.mayRetry(now)) throw this.lastError
    await this.reload('ready')
  }

  get description(): string {
    return this.location.description
  }

  /** A 503 whose reason names the key source and why its last fetch failed. */
  private unavailable(cause: unknown, why: string): AuthError {
    const fetchError = cause === undefined ? undefined : errorText(cause)
    return new AuthError('keys_unavailable', {
      cause,
      reason: {
        message: `keys from ${this.location.description} are unavailable: ${why}${fetchError ? ` (${fetchError})` : ''}`,
        keySource: this.location.description,
        ...(fetchError === undefined ? {} : { fetchError }),
      },
    })
  }

  private publishStale(now: number): void {
    if (!staleKeysChannel.hasSubscribers) return
    staleKeysChannel.publish({
      url: this.location.description,
      staleForMs: now - this.expiresAt,
      remainingMs: this.expiresAt + this.settings.staleWindow - now,
      ...(this.lastError === undefined ? {} : { error: errorText(this.lastError) }),
    })
  }

  private publishCooldown(kid: unknown): void {
    if (!cooldownChannel.hasSubscribers) return
    const now = this.settings.now()
    // Whichever wait refused the refetch: the unknown-kid cooldown, or the retry delay after a failure.
    const cooldownEnds = this.lastUnknownKidFetchAt + this.settings.cooldown
    const retryEnds = this.lastAttemptFailed
      ? this.lastAttemptAt + Math.min(RETRY_AFTER_FAILURE_MS, this.settings.cooldown)
      : Number.NEGATIVE_INFINITY
    const retryInMs = Math.max(0, cooldownEnds - now, retryEnds - now)
    cooldownChannel.publish({
      url: this.location.description,
      ...(typeof kid === 'string' ? { kid: safeText(kid) } : {}),
      retryInMs,
    })
  }

  private async fetchKeys(trigger: FetchTrigger): Promise<void> {
    const forUnknownKid = trigger === 'unknown-kid'
    const startedAt = performance.now()
    const now = this.settings.now()
    this.lastAttemptAt = now
    if (forUnknownKid) {
      // Counted when it starts, success or not: failures must not let a flood of `kid`s past the cooldown.
      this.lastUnknownKidFetchAt = now
      this.unknownKidRefetchArmed = false
    }
    try {
      const { body, maxAge } = await this.fetchSet()
      const candidates = (body as { keys?: unknown } | null)?.keys
      if (!Array.isArray(candidates)) throw new FetchJsonError('response is not a JWK Set')
      const { keys, skipped } = selectUsableKeys(candidates, this.settings.maxKeys)
      this.install(keys, maxAge)
      if (!forUnknownKid) this.unknownKidRefetchArmed = true
      this.lastAttemptFailed = false
      this.lastError = undefined
      this.publishFetch(trigger, startedAt, { status: 200, keyCount: keys.length, skippedKeys: skipped })
    } catch (error) {
      const status = error instanceof FetchJsonError ? error.status : undefined
      this.publishFetch(trigger, startedAt, {
        ...(status === undefined ? {} : { status }),
        error: errorText(error),
      })
      this.lastAttemptFailed = true
      this.lastError = error
      throw error
    }
  }

  private publishFetch(
    trigger: FetchTrigger,
    startedAt: number,
    outcome: Pick<JwksFetchMessage, 'status' | 'keyCount' | 'skippedKeys' | 'error'>,
  ): void {
    if (!jwksFetchChannel.hasSubscribers) return
    const message: JwksFetchMessage = {
      url: this.location.description,
      trigger,
      durationMs: performance.now() - startedAt,
      ...outcome,
    }
    jwksFetchChannel.publish(message)
  }

  /** Fetches the set; when its URL answers 404 or 410, asks the location once whether it moved. */
  private async fetchSet(): Promise<FetchedJson> {
    const uri = await this.location.current()
    try {
      return await fetchJson(uri, this.settings)
    } catch (error) {
      const moved = isGone(error) ? await this.location.relocate?.(uri) : undefined
      if (moved === undefined) throw error
      return fetchJson(moved, this.settings)
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
