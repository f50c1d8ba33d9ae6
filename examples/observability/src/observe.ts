import type {
  CacheEvictMessage,
  CooldownMessage,
  DiscoveryFetchMessage,
  JwksFetchMessage,
  RefreshAheadMessage,
  StaleKeysMessage,
  VerifyMessage,
} from '@tokenguard/core'
import diagnostics from 'node:diagnostics_channel'
import type { Logger } from 'pino'
import { Counter, Histogram, type Registry } from 'prom-client'

/**
 * Feeds Prometheus metrics and structured logs from tokenguard's `node:diagnostics_channel` events. Nothing
 * here sees a token: messages carry codes, reasons and the token's id (`tokenId`), never the token.
 *
 * Returns a function that unsubscribes everything.
 *
 * @example
 * ```ts
 * const stop = observeTokenguard({ registry: new Registry(), logger: pino() })
 * ```
 */
export function observeTokenguard({ registry, logger }: { registry: Registry; logger: Logger }): () => void {
  const verifications = new Counter({
    name: 'tokenguard_verifications_total',
    help: 'Token verifications by outcome (ok or the AuthError code) and whether the cache answered.',
    labelNames: ['outcome', 'cached'] as const,
    registers: [registry],
  })
  const fetches = new Counter({
    name: 'tokenguard_jwks_fetches_total',
    help: 'JWK Set fetches by trigger and outcome.',
    labelNames: ['trigger', 'outcome'] as const,
    registers: [registry],
  })
  const fetchSeconds = new Histogram({
    name: 'tokenguard_jwks_fetch_duration_seconds',
    help: 'Duration of JWK Set fetches.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const discoveries = new Counter({
    name: 'tokenguard_discovery_fetches_total',
    help: 'Issuer metadata (discovery) lookups by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })
  const staleServed = new Counter({
    name: 'tokenguard_stale_keys_served_total',
    help: 'Verifications served with expired keys because refreshing them failed.',
    registers: [registry],
  })
  const cooldowns = new Counter({
    name: 'tokenguard_unknown_kid_cooldowns_total',
    help: 'Unknown kids that could not refetch the JWK Set because of the cooldown.',
    registers: [registry],
  })
  const evictions = new Counter({
    name: 'tokenguard_cache_evictions_total',
    help: 'Verified tokens that left the cache, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  })

  const verify = diagnostics.tracingChannel('tokenguard:verify')
  const ignore = () => undefined
  const handlers = {
    start: ignore,
    asyncStart: ignore,
    // A verification answered synchronously (a cache hit, or a refusal before any wait) is complete at
    // `end`; one that waited (a key fetch, a signature check) is complete at `asyncEnd`.
    end: (message: unknown) => {
      const trace = message as VerifyMessage
      if (trace.cached || trace.code !== undefined) count(trace)
    },
    asyncEnd: (message: unknown) => count(message as VerifyMessage),
    error: (message: unknown) => {
      const { code, reason, tokenId, issuer, kid } = message as VerifyMessage
      // The operator's story: which check failed and why. The client got the generic 401.
      logger.warn({ code, reason, tokenId, issuer, kid }, 'token refused')
    },
  }
  const counted = new WeakSet<object>()
  function count(trace: VerifyMessage): void {
    if (counted.has(trace)) return
    counted.add(trace)
    verifications.inc({ outcome: trace.code ?? 'ok', cached: String(trace.cached) })
  }
  verify.subscribe(handlers)

  const listeners: Record<string, (message: unknown) => void> = {
    'tokenguard:jwks:fetch': (message) => {
      const { trigger, error, durationMs, ...rest } = message as JwksFetchMessage
      fetches.inc({ trigger, outcome: error === undefined ? 'ok' : 'error' })
      fetchSeconds.observe(durationMs / 1000)
      if (error === undefined) logger.info({ trigger, durationMs, ...rest }, 'JWK Set fetched')
      else logger.error({ trigger, durationMs, error, ...rest }, 'JWK Set fetch failed')
    },
    'tokenguard:discovery:fetch': (message) => {
      const fetched = message as DiscoveryFetchMessage
      discoveries.inc({ outcome: fetched.error === undefined ? 'ok' : 'error' })
      if (fetched.error !== undefined) logger.error(fetched, 'discovery failed')
    },
    'tokenguard:jwks:refresh-ahead': (message) =>
      logger.debug(message as RefreshAheadMessage, 'JWK Set refresh ahead of expiry'),
    'tokenguard:jwks:stale': (message) => {
      staleServed.inc()
      logger.warn(message as StaleKeysMessage, 'serving stale keys: the identity provider is unreachable')
    },
    'tokenguard:jwks:cooldown': (message) => {
      cooldowns.inc()
      logger.info(message as CooldownMessage, 'unknown kid within the cooldown')
    },
    'tokenguard:cache:evict': (message) => evictions.inc({ reason: (message as CacheEvictMessage).reason }),
  }
  for (const [name, listener] of Object.entries(listeners)) diagnostics.subscribe(name, listener)

  return () => {
    verify.unsubscribe(handlers)
    for (const [name, listener] of Object.entries(listeners)) diagnostics.unsubscribe(name, listener)
  }
}
