import { Buffer } from 'node:buffer'
import { createHmac, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import process from 'node:process'
import { createVerifier } from '@tokenguard/core'
import { AUDIENCE } from './fixtures.js'
import { settings } from './config.js'
import { collectGarbage } from './stats.js'

/**
 * Memory: many distinct valid tokens through one verifier must leave the heap within the token cache's
 * bound. HS256 keeps signing affordable; tokens are made lazily, 64 at a time, and verified concurrently.
 * The default cache (10 000 entries bind first), then caches where only `maxBytes` binds, one per kind of
 * token: these check that what an entry is charged matches what it really holds, for few claims as for
 * many small ones (the kind a charge by token length undercounted).
 *
 * Usage: node --expose-gc memory-bench.js <result.json>
 */

const ISSUER = 'https://issuer.bench.example/'
const BATCH = 64
/** Tokens verified before the per-entry measurement starts, so that compiled code is not counted. */
const WARM_UP = 4 * BATCH
const b64url = (value) => Buffer.from(value).toString('base64url')

/** A distinct short id per token, always 4 characters, so every token of a kind has the same length. */
const idOf = (n) => (n % 36 ** 4).toString(36).padStart(4, '0')

/** Claims of each kind of token; `n` makes each token distinct, and its claim values its own. */
const KINDS = {
  /** About 300 characters: seven claims. */
  plain: (common) => ({ ...common, scope: 'read:items write:items' }),
  /** About 900 characters: an OIDC provider's access token (Keycloak's layout). */
  typical: (common, id) => ({
    ...common,
    aud: [AUDIENCE, 'account'],
    typ: 'Bearer',
    azp: 'web-frontend',
    sid: `6f1c2a0e-${id}-4b8e-9d1e-2a7f0c9b4e11`,
    acr: '1',
    'allowed-origins': ['https://app.example.com'],
    realm_access: { roles: ['offline_access', 'uma_authorization', 'default-roles-bench'] },
    resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
    scope: 'openid profile email read:items write:items',
    email_verified: true,
    name: `User ${id}`,
    preferred_username: `user-${id}`,
    email: `user-${id}@example.com`,
  }),
  /**
   * About 8 000 characters of hundreds of small values: short strings (group ids), small tuples of a
   * number, an array and an object (grants), nested objects, and numbers V8 boxes.
   */
  'claim-heavy': (common, id) => ({
    ...common,
    groups: Array.from({ length: 128 }, (_, i) => `g${id}.${i}`),
    grants: Array.from({ length: 256 }, (_, i) => [i, i % 3 === 0 ? ['read'] : [], {}]),
    org: { id, units: Array.from({ length: 32 }, (_, i) => ({ id: i, lead: i === 0 })) },
    weights: Array.from({ length: 32 }, (_, i) => i + 0.25),
  }),
}

function heapUsed() {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed
}

function signer(kind) {
  const secret = randomBytes(32)
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const iat = Math.floor(Date.now() / 1000)
  const sign = (n) => {
    const common = { iss: ISSUER, aud: AUDIENCE, sub: `user-${n}`, iat, exp: iat + 3600, jti: `memory-${n}` }
    const input = `${header}.${b64url(JSON.stringify(KINDS[kind](common, idOf(n))))}`
    // As a server sees it: a slice of the Authorization header, which the cache keeps alive.
    return `Bearer ${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`.slice(7)
  }
  return { secret, sign }
}

async function verifyAll(verifier, sign, from, to) {
  for (let n = from; n < to; n += BATCH) {
    const batch = []
    for (let k = n; k < Math.min(n + BATCH, to); k++) batch.push(verifier.verify(sign(k)))
    await Promise.all(batch)
  }
}

async function run(label, kind, cache, count) {
  const { secret, sign } = signer(kind)
  // Measured before the verifier exists: the cache's own bookkeeping counts against the bound too.
  const before = heapUsed()
  const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret, cache })
  const started = Date.now()
  await verifyAll(verifier, sign, 0, WARM_UP)
  const warm = heapUsed()
  const warmStats = verifier.cacheStats()
  await verifyAll(verifier, sign, WARM_UP, count)
  const seconds = (Date.now() - started) / 1000
  const after = heapUsed()
  const stats = verifier.cacheStats()
  // Per entry, from the entries added since the warm-up: what an entry holds, against what it is charged.
  const added = stats.size - warmStats.size
  const retainedPerEntry = added > 0 ? (after - warm) / added : Number.NaN
  const chargePerEntry = added > 0 ? (stats.bytes - warmStats.bytes) / added : Number.NaN
  const result = {
    label,
    kind,
    tokens: count,
    seconds,
    maxEntries: cache.maxEntries,
    maxBytes: cache.maxBytes,
    heapBefore: before,
    heapAfter: after,
    heapGrowth: after - before,
    cacheSize: stats.size,
    cacheBytes: stats.bytes,
    tokenLength: sign(0).length,
    heapPerEntry: stats.size > 0 ? (after - before) / stats.size : 0,
    estimatePerEntry: stats.size > 0 ? stats.bytes / stats.size : 0,
    retainedPerEntry,
    chargePerEntry,
    retainedToCharge: retainedPerEntry / chargePerEntry,
    withinBound: after - before <= cache.maxBytes,
  }
  process.stderr.write(
    `  memory ${label}: ${count} tokens of ${result.tokenLength} chars in ${seconds.toFixed(1)} s, heap ` +
      `+${(result.heapGrowth / 2 ** 20).toFixed(1)} MiB (bound ${(cache.maxBytes / 2 ** 20).toFixed(0)} MiB, ` +
      `${stats.size} entries), retained ${Math.round(retainedPerEntry)} / charged ` +
      `${Math.round(chargePerEntry)} bytes per entry = ${result.retainedToCharge.toFixed(2)}\n`,
  )
  return result
}

const bytesBound = (maxBytes) => ({ maxEntries: 1_000_000, maxBytes })
const results = [
  await run('default cache', 'plain', { maxEntries: 10_000, maxBytes: 32 * 2 ** 20 }, settings.memoryTokens),
  await run('bytes-bound cache', 'plain', bytesBound(16 * 2 ** 20), Math.min(settings.memoryTokens, 200_000)),
  await run(
    'bytes-bound cache',
    'typical',
    bytesBound(16 * 2 ** 20),
    Math.min(settings.memoryTokens, 100_000),
  ),
  await run(
    'bytes-bound cache',
    'claim-heavy',
    bytesBound(64 * 2 ** 20),
    Math.min(settings.memoryTokens, 20_000),
  ),
]
writeFileSync(process.argv[2], JSON.stringify(results))
