import { channel, tracingChannel } from 'node:diagnostics_channel'
import type { AuthError } from './errors.js'
import { safeText, type AuthErrorReason } from './reason.js'

/**
 * Events on `node:diagnostics_channel`, named after the package as undici, fastify and pino name theirs.
 * Nothing is published unless someone subscribes (`hasSubscribers` is checked first), so the hot path
 * pays nothing otherwise. No message ever holds a token: use `tokenId` to correlate.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel'
 * diagnostics.subscribe('tokenguard:jwks:fetch', (message) => logger.info(message, 'JWK Set fetched'))
 * diagnostics.tracingChannel('tokenguard:verify').subscribe({ error: ({ code, reason }) => … })
 * ```
 */

/** The context of one verification, published on the `tokenguard:verify` tracing channel. */
export interface VerifyMessage {
  /** Correlation id of the token (`tokenId(token)`), never the token. */
  tokenId: string
  /** Whether the verified-token cache answered. */
  cached: boolean
  /** Once known: the issuer the token was routed to, its `kid` and `alg` (bounded, escaped). */
  issuer?: string | null
  kid?: string
  alg?: string
  /** On failure (`error` event): the error, its code and its server-side reason. */
  error?: AuthError
  code?: AuthError['code']
  reason?: AuthErrorReason
}

/** Why a JWK Set was fetched. */
export type FetchTrigger = 'initial' | 'expired' | 'refresh-ahead' | 'unknown-kid' | 'ready'

/** `tokenguard:jwks:fetch`: one JWK Set fetch, when it ends (success or failure). */
export interface JwksFetchMessage {
  url: string
  trigger: FetchTrigger
  /** HTTP status, when a response arrived. */
  status?: number
  durationMs: number
  /** Usable keys kept, and keys skipped as unsafe or unusable (success only). */
  keyCount?: number
  skippedKeys?: number
  /** Why it failed (failure only). */
  error?: string
}

/** `tokenguard:discovery:fetch`: one discovery (issuer metadata) lookup, when it ends. */
export interface DiscoveryFetchMessage {
  issuer: string
  /** The metadata URL that answered; on failure, the one whose error is reported (see `error`). */
  url: string
  status?: number
  durationMs: number
  /** The `jwks_uri` found (success only). */
  jwksUri?: string
  error?: string
}

/** `tokenguard:introspection`: one request to an introspection endpoint (RFC 7662), when it ends. */
export interface IntrospectionMessage {
  issuer: string
  /** The endpoint asked (configured or discovered). */
  url: string
  /** The token's id ({@link tokenId}), never the token. */
  tokenId: string
  durationMs: number
  /** The answer's `active` when one was read. */
  active?: boolean
  /** Why no usable answer came (the request failed or the answer was garbage): a 503 follows. */
  error?: string
}

/** `tokenguard:jwks:refresh-ahead`: a background refresh started before the keys expire. */
export interface RefreshAheadMessage {
  url: string
  /** Milliseconds until the current keys expire. */
  expiresInMs: number
}

/** `tokenguard:jwks:stale`: keys past their lifetime served because refreshing them failed. */
export interface StaleKeysMessage {
  url: string
  /** Milliseconds since the keys expired. */
  staleForMs: number
  /** Milliseconds left of `jwks.staleWindow`. */
  remainingMs: number
  error?: string
}

/** `tokenguard:jwks:cooldown`: an unknown `kid` did not refetch the set, because of the cooldown. */
export interface CooldownMessage {
  url: string
  kid?: string
  /** Milliseconds until an unknown `kid` may refetch again. */
  retryInMs: number
}

/** `tokenguard:cache:evict`: a verified token left the cache before being asked for again. */
export interface CacheEvictMessage {
  /** `evict`: pushed out by `maxEntries`/`maxBytes`; `expire`: its lifetime ended; `stale`: a key rotation. */
  reason: 'evict' | 'expire' | 'stale'
  /** Entries and charged bytes left in the cache. */
  size: number
  bytes: number
}

export const verifyChannel = tracingChannel<VerifyMessage>('tokenguard:verify')
export const jwksFetchChannel = channel('tokenguard:jwks:fetch')
export const discoveryFetchChannel = channel('tokenguard:discovery:fetch')
export const refreshAheadChannel = channel('tokenguard:jwks:refresh-ahead')
export const staleKeysChannel = channel('tokenguard:jwks:stale')
export const cooldownChannel = channel('tokenguard:jwks:cooldown')
export const cacheEvictChannel = channel('tokenguard:cache:evict')
export const introspectionChannel = channel('tokenguard:introspection')

/** The message of an error for an event: its message and its causes' messages, never a stack. */
export function errorText(error: unknown): string {
  const parts: string[] = []
  let current = error
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    try {
      parts.push(safeText(current instanceof Error ? String(current.message) : String(current)))
      current = current instanceof Error ? current.cause : undefined
    } catch {
      // A getter that throws, or an object whose toString does: the explanation must never fail.
      parts.push('(an error that cannot be described)')
      current = undefined
    }
  }
  return parts.join(': ')
}
