import { LRUCache } from 'lru-cache'
import { errorText, introspectionChannel, type IntrospectionMessage } from '../diagnostics.js'
import { AuthError } from '../errors.js'
import { discoverUrl } from '../jwks/discovery.js'
import type { FetchJsonOptions } from '../jwks/fetch-json.js'
import type { TrustedIssuer } from '../resolve-options.js'
import { tokenId } from '../token-id.js'
import { readAnswer, type ActiveToken } from './introspection-answer.js'
import { requestIntrospection, type IntrospectionRequestSettings } from './introspection-request.js'

/** Everything one issuer's introspection needs, checked at start-up (introspection-options.ts). */
export interface IntrospectorSettings extends IntrospectionRequestSettings {
  /** The configured endpoint, or `undefined` to read `introspection_endpoint` from discovery. */
  endpoint: string | undefined
  clientId: string
  tokens: 'opaque' | 'all'
  cache: { ttlMs: number; maxEntries: number; maxBytes: number } | undefined
  requiredClaims: readonly string[] | undefined
  maxInFlight: number
  now: () => number
  /** The verifier's, in seconds: a signed answer's `iat` may be this much further from now. */
  clockTolerance: number
  discovery: FetchJsonOptions & { allowHttpHosts?: ReadonlySet<string> | undefined }
}

/** After a failed discovery, the wait before the next (the JWK Set's retry delay). */
const DISCOVERY_RETRY_MS = 5_000

/** A remembered answer: an active token's claims, or `inactive`. */
type Remembered = ActiveToken | 'inactive'

function unavailable(message: string, cause?: unknown): AuthError {
  return new AuthError('introspection_unavailable', {
    ...(cause === undefined ? {} : { cause }),
    reason: { check: 'introspection', message },
  })
}

function inactive(): AuthError {
  return new AuthError('token_inactive', {
    reason: { check: 'introspection', message: 'the authorization server says the token is not active' },
  })
}

/**
 * Each verification gets an answer of its own: the remembered or shared one is frozen into the first
 * verification's result (and `validate` may annotate it), so handing it out again would give a later
 * request another request's object. A few hundred bytes of JSON, copied as `JSON.parse` made them.
 */
function ownCopy(active: ActiveToken): ActiveToken {
  return { payload: JSON.parse(JSON.stringify(active.payload)) as Record<string, unknown> }
}

/**
 * Asks one issuer's introspection endpoint about tokens (RFC 7662): one request per token at a time
 * (callers of the same token share it), at most `maxInFlight` requests at once, answers remembered only
 * when `cache` is on. Failures of the endpoint are 503 `introspection_unavailable`, never 401.
 */
export class Introspector {
  private readonly pending = new Map<string, Promise<ActiveToken>>()
  private readonly cache: LRUCache<string, Remembered> | undefined
  private endpoint: string | undefined
  private discovering: Promise<string> | undefined
  /** When the last failed discovery may be tried again. */
  private discoverAgainAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly issuer: string,
    readonly settings: IntrospectorSettings,
  ) {
    this.endpoint = settings.endpoint
    this.cache =
      settings.cache === undefined
        ? undefined
        : new LRUCache({ max: settings.cache.maxEntries, maxSize: settings.cache.maxBytes })
  }

  /** Where the answers come from, for operators' reasons. */
  get description(): string {
    return this.endpoint ?? `introspection_endpoint of ${this.issuer} (not discovered yet)`
  }

  /** The claims of an active token; throws `token_inactive` (401) or `introspection_unavailable` (503). */
  introspect(token: string, trusted: TrustedIssuer): Promise<ActiveToken> {
    const remembered = this.cache?.get(token)
    if (remembered === 'inactive') return Promise.reject(inactive())
    if (remembered !== undefined) return Promise.resolve(ownCopy(remembered))
    const shared = this.pending.get(token)
    if (shared !== undefined) return shared.then(ownCopy)
    // The bound spares the authorization server a flood of random strings sent with this API's credentials.
    if (this.pending.size >= this.settings.maxInFlight)
      return Promise.reject(
        unavailable(`${this.settings.maxInFlight} introspection requests are in flight (maxInFlight)`),
      )
    const asked = this.ask(token, trusted).finally(() => this.pending.delete(token))
    this.pending.set(token, asked)
    return asked.then(ownCopy)
  }

  private async ask(token: string, trusted: TrustedIssuer): Promise<ActiveToken> {
    const endpoint = await this.findEndpoint()
    const startedAt = performance.now()
    let answer
    try {
      answer = await requestIntrospection(endpoint, token, this.settings)
    } catch (cause) {
      this.publish(endpoint, token, startedAt, { error: errorText(cause) })
      throw unavailable(`introspection at ${endpoint} failed: ${errorText(cause)}`, cause)
    }
    let active: ActiveToken
    try {
      active = await readAnswer(answer, trusted, this.settings.clientId, {
        nowMs: this.settings.now(),
        clockTolerance: this.settings.clockTolerance,
      })
    } catch (error) {
      if (error instanceof AuthError && error.code === 'token_inactive') {
        this.publish(endpoint, token, startedAt, { active: false })
        this.remember(token, 'inactive', undefined)
        throw error
      }
      this.publish(endpoint, token, startedAt, { error: errorText(error) })
      if (error instanceof AuthError) throw error
      throw unavailable(`introspection at ${endpoint} answered badly: ${errorText(error)}`, error)
    }
    this.publish(endpoint, token, startedAt, { active: true })
    const exp = active.payload.exp
    this.remember(token, active, typeof exp === 'number' ? exp * 1000 : undefined)
    return active
  }

  /** Tells `tokenguard:introspection` subscribers how a request ended (only when someone listens). */
  private publish(
    url: string,
    token: string,
    startedAt: number,
    outcome: Pick<IntrospectionMessage, 'active' | 'error'>,
  ): void {
    if (!introspectionChannel.hasSubscribers) return
    const message: IntrospectionMessage = {
      issuer: this.issuer,
      url,
      tokenId: tokenId(token),
      durationMs: performance.now() - startedAt,
      ...outcome,
    }
    introspectionChannel.publish(message)
  }

  /** Remembers an answer (when the cache is on) for its TTL, never past the token's `exp`. */
  private remember(token: string, value: Remembered, expiresAtMs: number | undefined): void {
    if (this.cache === undefined || this.settings.cache === undefined) return
    const ttl = Math.min(
      this.settings.cache.ttlMs,
      expiresAtMs === undefined ? Infinity : expiresAtMs - this.settings.now(),
    )
    // Weighed by its text (tokens up to maxTokenLength, answers up to maxResponseBytes), so a flood of
    // random strings, whose inactive answers are remembered too, stays within `cache.maxBytes`.
    const size = 2 * (token.length + (value === 'inactive' ? 8 : JSON.stringify(value.payload).length))
    if (ttl >= 1) this.cache.set(token, value, { ttl: Math.floor(ttl), size })
  }

  /**
   * The endpoint: configured, or discovered once (callers share one discovery; a failure is retried after
   * a delay). `verifier.ready()` calls it too.
   */
  findEndpoint(): Promise<string> {
    if (this.endpoint !== undefined) return Promise.resolve(this.endpoint)
    // After a failure, as for JWK Sets: requests meanwhile are refused at once rather than each asking.
    if (this.discovering === undefined && this.settings.now() < this.discoverAgainAt)
      return Promise.reject(
        unavailable(`the introspection endpoint of ${this.issuer} could not be discovered; retrying shortly`),
      )
    this.discovering ??= discoverUrl(this.issuer, 'introspection_endpoint', this.settings.discovery).then(
      (found) => (this.endpoint = found),
      (cause: unknown) => {
        this.discovering = undefined
        this.discoverAgainAt = this.settings.now() + DISCOVERY_RETRY_MS
        throw unavailable(
          `the introspection endpoint of ${this.issuer} could not be discovered: ${errorText(cause)}`,
          cause,
        )
      },
    )
    return this.discovering
  }

  /** Forgets every remembered answer (tests, and an operator's "forget now"). */
  clear(): void {
    this.cache?.clear()
  }
}
