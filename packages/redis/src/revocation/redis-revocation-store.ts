import {
  ConfigError,
  revocationRule,
  RevocationStoreFullError,
  type RevocationClaims,
  type RevocationEntry,
} from '@tokenguard/core'
import { checkClient, RedisUnavailableError, send } from '../client.js'
import { checkOptionNames, functionOption, integerOption, prefixOption } from '../options.js'
import { LocalView } from './local-view.js'
import { readEntries } from './read-entries.js'
import { decodeMessage, entryId, redisKeys, ruleIdentity, WRITE_SCRIPT } from './redis-entries.js'
import type {
  RedisRevocationStatus,
  RedisRevocationStore,
  RedisRevocationStoreOptions,
} from './store-options.js'

const KNOWN = [
  'client',
  'subscriber',
  'prefix',
  'maxTokenLifetime',
  'maxEntries',
  'staleWindow',
  'checkInterval',
  'commandTimeout',
  'onError',
  'now',
]
const MAX_RETRY_MS = 5_000

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/**
 * A revocation store shared by every instance that uses the same Redis and prefix. Each instance keeps a
 * local view answering `isRevoked` synchronously (a cached token stays on the verifier's fast path, no
 * round trip per request); a `revoke()` on one instance writes the entry to Redis (kept until the core's
 * expiry, with PEXPIREAT) and publishes it, and every other instance applies it as the message arrives.
 * After a reconnect, an instance re-reads every entry, so revocations written while it was cut off apply.
 *
 * Redis down: the view keeps answering for `staleWindow` (default 30 s), then every request is a 503
 * `revocation_unavailable` until it is back in sync; never a silent pass. Errors never crash the process.
 *
 * Security: revocations survive a Redis restart only with persistence on (`appendonly yes`), and Redis
 * must not evict keys (`maxmemory-policy noeviction`). See docs/fleet.md.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { createRedisRevocationStore } from '@tokenguard/redis'
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const revocation = createRedisRevocationStore({ client, maxTokenLifetime: 3600 })
 * await revocation.ready()
 * app.use(jwtAuth({ issuer, audience, revocation }))
 * ```
 */
export function createRedisRevocationStore(options: RedisRevocationStoreOptions): RedisRevocationStore {
  const o = checkOptionNames(options, KNOWN)
  const client = checkClient(o.client, 'client')
  const given = o.subscriber === undefined ? undefined : checkClient(o.subscriber, 'subscriber')
  if (given === client)
    throw new ConfigError('subscriber', 'must be a dedicated connection, not the client itself')
  const keys = redisKeys(prefixOption(o.prefix, 'tokenguard:revocation:'))
  const maxTokenLifetime = integerOption(o.maxTokenLifetime, 'maxTokenLifetime', 86_400, 1, 366 * 86_400)
  const maxEntries = integerOption(o.maxEntries, 'maxEntries', 100_000, 1, 100_000_000)
  const staleWindow = integerOption(o.staleWindow, 'staleWindow', 30_000, 0, 86_400_000)
  const checkInterval = integerOption(o.checkInterval, 'checkInterval', 5_000, 10, 3_600_000)
  const timeout = integerOption(o.commandTimeout, 'commandTimeout', 2_000, 1, 60_000)
  const now = functionOption<() => number>(o.now, 'now') ?? Date.now
  const report = functionOption<(error: Error) => void>(o.onError, 'onError')
  const subscriber = given ?? client.duplicate()

  const view = new LocalView()
  let closed = false
  let everSynced = false
  let synced = false
  let downSinceMs = 0
  let warned = false
  /** Raised whenever the view may have lost a message: a re-read started before it cannot sync the view. */
  let epoch = 0
  /** Highest revision applied; a message with another than the next one means one was missed. */
  let seen = 0
  /** Highest revision of a message received during the re-read under way. */
  let seenDuringSync = 0
  let lastCheckedRevision = 0
  let subscribed = false
  let syncing: Promise<void> | undefined
  let syncAgain = false
  let retries = 0
  let retryTimer: NodeJS.Timeout | undefined
  let waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = []

  function onError(error: Error): void {
    if (report) return void report(error)
    if (warned) return
    warned = true
    console.warn(
      `tokenguard: Redis revocation store: ${error.message}. While it is out of sync, its local view ` +
        `answers for ${staleWindow} ms, then requests are refused with 503 (revocation_unavailable)`,
    )
  }

  function markDown(): void {
    epoch++
    if (!synced) return
    synced = false
    downSinceMs = now()
  }

  function settleWaiters(error?: Error): void {
    const settled = waiters
    waiters = []
    for (const waiter of settled) {
      if (error) waiter.reject(error)
      else waiter.resolve()
    }
  }

  async function reload(): Promise<number> {
    const revision = await readEntries(client, keys, timeout, now, (rule) => view.apply(rule))
    view.prune(now())
    return revision
  }

  async function runSync(): Promise<void> {
    do {
      syncAgain = false
      const started = epoch
      seenDuringSync = 0
      try {
        if (!subscriber.isReady) throw new RedisUnavailableError('the subscriber connection is down')
        const revision = await reload()
        if (closed) return
        // Not max(seen, …): after Redis lost its data (no persistence), its counter starts again lower.
        seen = Math.max(revision, seenDuringSync)
        lastCheckedRevision = seen
        retries = 0
        if (epoch === started && subscriber.isReady) {
          synced = true
          everSynced = true
          if (warned && !report) console.warn('tokenguard: the Redis revocation store is back in sync')
          warned = false
          settleWaiters()
        } else syncAgain = true
      } catch (cause) {
        if (closed) return
        const error = asError(cause)
        onError(error)
        settleWaiters(error)
        // Retry with a backoff, unless a reconnect will ask again anyway.
        clearTimeout(retryTimer)
        retryTimer = setTimeout(() => void sync(), Math.min(100 * 2 ** retries++, MAX_RETRY_MS))
        retryTimer.unref()
        return
      }
    } while (syncAgain && !closed)
  }

  function sync(): Promise<void> {
    if (closed) return Promise.resolve()
    if (syncing) {
      syncAgain = true
      return syncing
    }
    syncing = runSync().finally(() => (syncing = undefined))
    return syncing
  }

  function onMessage(message: string): void {
    let decoded
    try {
      decoded = decodeMessage(message)
    } catch (cause) {
      onError(asError(cause))
      markDown()
      return void sync()
    }
    view.apply(decoded.rule)
    if (syncing) seenDuringSync = Math.max(seenDuringSync, decoded.revision)
    else if (decoded.revision === seen + 1) seen = decoded.revision
    else {
      // A gap (a missed message) or a lower revision (Redis lost its data): re-read everything.
      if (decoded.revision > seen + 1) markDown()
      void sync()
    }
  }

  async function check(): Promise<void> {
    try {
      const revision = Number((await send(client, ['GET', keys.revision], timeout)) ?? 0)
      // A revision seen by the previous check and still not applied: its message was lost.
      if (lastCheckedRevision > seen || revision < seen) {
        if (lastCheckedRevision > seen) markDown()
        void sync()
      }
      lastCheckedRevision = revision
      view.prune(now())
      // A problem that never put the store out of sync (the command connection alone): warn again next time.
      if (synced) warned = false
    } catch (cause) {
      onError(asError(cause))
    }
  }

  // Before the first SUBSCRIBE answered, a re-read could miss what is published in between.
  const onSubscriberReady = () => void (subscribed && sync())
  const onSubscriberDown = () => markDown()
  const onSubscriberError = (error: unknown) => {
    onError(asError(error))
    if (!subscriber.isReady) markDown()
  }
  const onClientError = (error: unknown) => onError(asError(error))
  subscriber.on('ready', onSubscriberReady)
  subscriber.on('reconnecting', onSubscriberDown)
  subscriber.on('end', onSubscriberDown)
  subscriber.on('error', onSubscriberError)
  client.on('error', onClientError)
  const checkTimer = setInterval(() => void check(), checkInterval)
  checkTimer.unref()

  async function start(): Promise<void> {
    try {
      if (!subscriber.isOpen) await subscriber.connect()
      await subscriber.subscribe(keys.channel, onMessage)
      subscribed = true
    } catch (cause) {
      if (closed) return
      onError(asError(cause))
      settleWaiters(asError(cause))
      retryTimer = setTimeout(() => void start(), Math.min(100 * 2 ** retries++, MAX_RETRY_MS))
      retryTimer.unref()
      return
    }
    await sync()
  }
  const started = start()

  function status(): RedisRevocationStatus {
    if (closed) return 'closed'
    if (synced) return 'live'
    if (!everSynced) return 'starting'
    return staleWindow > 0 && now() - downSinceMs <= staleWindow ? 'stale' : 'unavailable'
  }

  return Object.freeze({
    maxTokenLifetime,

    get status() {
      return status()
    },

    isRevoked(claims: RevocationClaims): boolean {
      if (!synced) {
        const current = status()
        if (current !== 'stale')
          throw new RedisUnavailableError(
            `the Redis revocation store is ${current}: its view cannot be trusted`,
          )
      }
      return view.isRevoked(claims)
    },

    async revoke(entry: RevocationEntry): Promise<void> {
      if (closed) throw new RedisUnavailableError('the Redis revocation store is closed')
      const nowMs = now()
      const rule = revocationRule(entry, nowMs, maxTokenLifetime)
      if (rule === undefined) return
      const identity = ruleIdentity(rule)
      const id = entryId(identity)
      const args = [String(rule.before), String(rule.expiresAtMs), String(nowMs), String(maxEntries)]
      const reply = await send(
        client,
        [
          'EVAL',
          WRITE_SCRIPT,
          '3',
          keys.entry(id),
          keys.index,
          keys.revision,
          id,
          identity,
          ...args,
          keys.channel,
        ],
        timeout,
      )
      if (reply === null || reply === undefined) throw new RevocationStoreFullError(maxEntries)
      // Enforced here at once; the other instances apply it from the message.
      view.apply(rule)
    },

    async ready(): Promise<void> {
      if (closed) throw new RedisUnavailableError('the Redis revocation store is closed')
      if (synced) return
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }))
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      synced = false
      clearInterval(checkTimer)
      clearTimeout(retryTimer)
      settleWaiters(new RedisUnavailableError('the Redis revocation store was closed'))
      await started.catch(() => undefined)
      subscriber.off('ready', onSubscriberReady)
      subscriber.off('reconnecting', onSubscriberDown)
      subscriber.off('end', onSubscriberDown)
      client.off('error', onClientError)
      try {
        if (given) {
          if (given.isReady) await given.unsubscribe(keys.channel)
        } else if (subscriber.isOpen) await subscriber.close()
      } catch {
        // Closing a connection that is down: nothing left to release.
      }
      // Kept until now: a late error of the closing connection must not crash the process either.
      subscriber.off('error', onSubscriberError)
    },
  })
}
