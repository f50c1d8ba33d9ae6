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
 * Two configurations: the default cache (10 000 entries bind first), and one where only `maxBytes` binds,
 * which checks that the per-entry estimate does not undercount the real heap.
 *
 * Usage: node --expose-gc memory-bench.js <result.json>
 */

const ISSUER = 'https://issuer.bench.example/'
const BATCH = 64
const b64url = (value) => Buffer.from(value).toString('base64url')

function heapUsed() {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed
}

async function run(label, cache, count) {
  const secret = randomBytes(32)
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))
  const iat = Math.floor(Date.now() / 1000)
  const sign = (n) => {
    const payload = b64url(
      JSON.stringify({
        iss: ISSUER,
        aud: AUDIENCE,
        sub: `user-${n}`,
        iat,
        exp: iat + 3600,
        jti: `memory-${n}`,
        scope: 'read:items write:items',
      }),
    )
    const input = `${header}.${payload}`
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
  }
  // Measured before the verifier exists: the cache's own bookkeeping counts against the bound too.
  const before = heapUsed()
  const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret, cache })
  await verifier.verify(sign(-1))
  let peak = before
  const started = Date.now()
  for (let n = 0; n < count; n += BATCH) {
    const batch = []
    for (let k = n; k < Math.min(n + BATCH, count); k++) batch.push(verifier.verify(sign(k)))
    await Promise.all(batch)
    if (n % 65_536 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed)
  }
  const seconds = (Date.now() - started) / 1000
  const after = heapUsed()
  const stats = verifier.cacheStats()
  const result = {
    label,
    tokens: count,
    seconds,
    maxEntries: cache.maxEntries,
    maxBytes: cache.maxBytes,
    heapBefore: before,
    heapAfter: after,
    heapGrowth: after - before,
    peakHeapUngc: peak,
    cacheSize: stats.size,
    cacheBytes: stats.bytes,
    tokenLength: sign(0).length,
    heapPerEntry: stats.size > 0 ? (after - before) / stats.size : 0,
    estimatePerEntry: stats.size > 0 ? stats.bytes / stats.size : 0,
    withinBound: after - before <= cache.maxBytes,
  }
  process.stderr.write(
    `  memory ${label}: ${count} tokens in ${seconds.toFixed(1)} s, heap +${(result.heapGrowth / 2 ** 20).toFixed(1)} MiB ` +
      `(bound ${(cache.maxBytes / 2 ** 20).toFixed(0)} MiB, ${stats.size} entries)\n`,
  )
  return result
}

const results = [
  await run('default cache', { maxEntries: 10_000, maxBytes: 32 * 2 ** 20 }, settings.memoryTokens),
  await run(
    'bytes-bound cache',
    { maxEntries: 1_000_000, maxBytes: 16 * 2 ** 20 },
    Math.min(settings.memoryTokens, 200_000),
  ),
]
writeFileSync(process.argv[2], JSON.stringify(results))
