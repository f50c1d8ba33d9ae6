import { Buffer } from 'node:buffer'
import { createPublicKey, verify as cryptoVerify } from 'node:crypto'
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import process from 'node:process'
import { performance } from 'node:perf_hooks'
import { createVerifier } from '@tokenguard/core'
import { settings } from './config.js'
import { AUDIENCE, createSigner } from './fixtures.js'
import { collectGarbage, median, rotate, verifyRate } from './stats.js'

/**
 * Multi-tenant issuers (issue 17): `settings.tenants` tenants, each with its own ES256 key and its own JWK
 * Set on a loopback server (`/{tenant}/jwks`), as a SaaS identity provider serves them. Per-tenant keys
 * rather than one shared key set: that is the case whose memory grows with the number of tenants (one key
 * set per tenant in the issuer cache), and the one where each verification looks up its own tenant's key.
 *
 * - Heap: a verifier warmed with every tenant (`issuerCache.maxEntries` = all of them), by a `{tenantid}`
 *   template and by `resolveIssuer`; then a resolver with the default `maxEntries` (1 000) warmed with all
 *   of them, whose heap must stay within 1.25 × that of the same resolver warmed with 1 000 tenants.
 * - Cost: verifications per second over one token per tenant (every tenant cached), against a single
 *   static issuer over as many distinct tokens of its one key. The token cache is off (`cache: false`) so
 *   that every call checks a signature. With per-tenant keys, 10 000 distinct keys also cost node:crypto
 *   and OpenSSL more than one hot key does: those rows are also held against a single issuer with as many
 *   keys (one per token). The shared-key-set template (all tenants on one key set, as Entra ID's) has the
 *   single issuer's key work, so it too isolates what the tenant lookup itself costs.
 *
 * Usage: node --expose-gc tenants-bench.js <result.json>
 */

const ALG = 'ES256'
/** The contenders whose tenants each have their own key. */
const PER_TENANT_KEYS = new Set(['template', 'resolveIssuer'])
const WARM_CONCURRENCY = 64

function heapUsed() {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed
}

/** The identity provider: one JWK Set per tenant, rendered once. */
async function startTenantKeys(tenantIds) {
  const bodies = new Map()
  let fetches = 0
  const server = createServer((req, res) => {
    const match = /^\/([^/]+)\/jwks$/.exec(req.url ?? '')
    const body = match ? bodies.get(match[1]) : undefined
    if (body === undefined) return void res.writeHead(404).end()
    fetches++
    res.writeHead(200, { 'content-type': 'application/json' }).end(body)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const signers = new Map()
  for (const id of ['single', ...tenantIds]) {
    const signer = createSigner(ALG, `${base}/${id}`)
    signers.set(id, signer)
    bodies.set(id, JSON.stringify({ keys: [signer.publicJwk] }))
  }
  return {
    base,
    signers,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/**
 * Only the signature, on node:crypto's thread-pool form, with the token's key found by `kid` in a `Map`:
 * the key work of a verification and nothing else (no claims), to compare one key with many.
 */
function rawVerifier(jwksByKid) {
  const keys = new Map(
    [...jwksByKid].map(([kid, jwk]) => [kid, createPublicKey({ key: jwk, format: 'jwk' })]),
  )
  return {
    verify(token) {
      const first = token.indexOf('.')
      const last = token.lastIndexOf('.')
      const { kid } = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString())
      const input = Buffer.from(token.slice(0, last))
      const signature = Buffer.from(token.slice(last + 1), 'base64url')
      return new Promise((resolve, reject) =>
        cryptoVerify(
          'sha256',
          input,
          { key: keys.get(kid), dsaEncoding: 'ieee-p1363' },
          signature,
          (error, ok) => (error || !ok ? reject(error ?? new Error('invalid signature')) : resolve(ok)),
        ),
      )
    },
  }
}

async function verifyAll(verifier, tokens) {
  for (let n = 0; n < tokens.length; n += WARM_CONCURRENCY)
    await Promise.all(tokens.slice(n, n + WARM_CONCURRENCY).map((token) => verifier.verify(token)))
}

/** Verifications per second over `tokens`, cyclically. */
async function measure(verifier, tokens, concurrency, ms) {
  let next = 0
  const { rate } = await verifyRate(verifier, () => tokens[next++ % tokens.length], concurrency, ms)
  return rate
}

/** Warms `make()`'s verifier with every tenant's token and reports what its heap grew by. */
async function warmedHeap(label, make, tokens, maxEntries, idp) {
  const before = heapUsed()
  const fetchesBefore = idp.fetches()
  const started = performance.now()
  const verifier = make()
  await verifyAll(verifier, tokens)
  const seconds = (performance.now() - started) / 1000
  const after = heapUsed()
  const cached = Math.min(maxEntries, tokens.length)
  const result = {
    label,
    tenants: tokens.length,
    maxEntries,
    seconds,
    keySetFetches: idp.fetches() - fetchesBefore,
    heapGrowth: after - before,
    heapPerCachedTenant: (after - before) / cached,
  }
  process.stderr.write(
    `  tenants ${label}: ${tokens.length} tenants warmed in ${seconds.toFixed(1)} s ` +
      `(${result.keySetFetches} key set fetches, maxEntries ${maxEntries})\n`,
  )
  return { verifier, result }
}

/**
 * What `holder.verifier` retains: the heap with it, less the heap once it is dropped, both after a full GC
 * at the same moment, so that other garbage (sockets, server buffers) does not count.
 */
function dropAndMeasure(holder) {
  const alive = heapUsed()
  holder.verifier = undefined
  const retained = alive - heapUsed()
  const cached = Math.min(holder.result.maxEntries, holder.result.tenants)
  Object.assign(holder.result, { heapRetained: retained, heapPerCachedTenant: retained / cached })
  process.stderr.write(
    `  tenants ${holder.result.label}: retains ${(retained / 2 ** 20).toFixed(1)} MiB = ` +
      `${Math.round(retained / cached)} bytes per cached tenant\n`,
  )
}

const idp = await startTenantKeys(Array.from({ length: settings.tenants }, (_, n) => `t${n}`))
try {
  const tenantIds = [...idp.signers.keys()].filter((id) => id !== 'single')
  const tenantTokens = tenantIds.map((id, n) => idp.signers.get(id).sign(n, { tid: id }))
  const single = idp.signers.get('single')
  const singleTokens = tenantIds.map((_, n) => single.sign(n))
  const all = tenantIds.length
  const manyResolves = { maxResolvesPerMinute: 10 * all }
  const jwksUriOf = (iss) => (iss.startsWith(`${idp.base}/t`) ? { jwksUri: `${iss}/jwks` } : undefined)

  const makeTemplate = () =>
    createVerifier({
      issuer: [
        {
          issuer: `${idp.base}/{tenantid}`,
          jwksUri: `${idp.base}/{tenantid}/jwks`,
          tenantClaim: 'tid',
          tenants: tenantIds,
        },
      ],
      audience: AUDIENCE,
      issuerCache: { maxEntries: all, ...manyResolves },
      cache: false,
    })
  // The tenant machinery alone: the same template, every tenant signing with one shared key set (as Entra
  // ID's tenants do), so the key work is the single issuer's and only the tenant lookup differs.
  const sharedKeyTokens = tenantIds.map((id, n) => single.sign(n, { iss: `${idp.base}/${id}`, tid: id }))
  const makeSharedKeyTemplate = () =>
    createVerifier({
      issuer: [
        {
          issuer: `${idp.base}/{tenantid}`,
          jwksUri: `${idp.base}/single/jwks`,
          tenantClaim: 'tid',
          tenants: tenantIds,
        },
      ],
      audience: AUDIENCE,
      issuerCache: { maxEntries: all, ...manyResolves },
      cache: false,
    })
  const makeResolver = (issuerCache) => () =>
    createVerifier({ audience: AUDIENCE, resolveIssuer: jwksUriOf, issuerCache, cache: false })

  const template = await warmedHeap('template', makeTemplate, tenantTokens, all, idp)
  const resolver = await warmedHeap(
    'resolveIssuer',
    makeResolver({ maxEntries: all, ...manyResolves }),
    tenantTokens,
    all,
    idp,
  )
  // Measured now: once it has been through the timed loops, something there can keep it from being dropped.
  dropAndMeasure(resolver)
  const resolverForRate = makeResolver({ maxEntries: all, ...manyResolves })()
  await verifyAll(resolverForRate, tenantTokens)
  // The bound: warming every tenant through the default cache (1 000 entries) may cost no more heap than
  // warming just 1 000 of them (the verifier's fixed cost included), give or take 25 %.
  const reference = await warmedHeap(
    'resolveIssuer, default maxEntries, 1 000 tenants',
    makeResolver(manyResolves),
    tenantTokens.slice(0, 1_000),
    1_000,
    idp,
  )
  dropAndMeasure(reference)
  const bounded = await warmedHeap(
    'resolveIssuer, default maxEntries',
    makeResolver(manyResolves),
    tenantTokens,
    1_000,
    idp,
  )
  dropAndMeasure(bounded)
  bounded.result.boundBytes = 1.25 * reference.result.heapRetained
  bounded.result.withinBound = bounded.result.heapRetained <= bounded.result.boundBytes

  const staticIssuer = createVerifier({
    issuer: `${idp.base}/single`,
    jwksUri: `${idp.base}/single/jwks`,
    audience: AUDIENCE,
    cache: false,
  })
  await verifyAll(staticIssuer, singleTokens)
  // The key work of the per-tenant rows without tenants: one issuer, one key per token, as many keys as
  // tenants (configured keys, each named by its own kid). node:crypto and OpenSSL verify with 10 000
  // distinct keys more slowly than with one hot key (about 5 % at concurrency 64, measured with node:crypto
  // alone), and each key's bookkeeping is another cache miss: this row holds that constant.
  const keySigners = tenantIds.map((id) => createSigner(ALG, `${idp.base}/single`, `key-${id}`))
  const manyKeyTokens = keySigners.map((signer, n) => signer.sign(n))
  const manyKeyIssuer = createVerifier({
    issuer: `${idp.base}/single`,
    keys: keySigners.map((signer) => signer.publicJwk),
    audience: AUDIENCE,
    cache: false,
  })
  await verifyAll(manyKeyIssuer, manyKeyTokens)
  // The same two key regimes on node:crypto alone, so the report shows what many keys cost below tokenguard.
  const rawOneKey = rawVerifier(new Map([[single.kid, single.publicJwk]]))
  const rawManyKeys = rawVerifier(new Map(keySigners.map((signer) => [signer.kid, signer.publicJwk])))
  // Sanity: a tenant's token signed with another tenant's key is refused, or the numbers mean nothing.
  const forged = idp.signers
    .get(tenantIds[1])
    .sign(0, { iss: `${idp.base}/${tenantIds[0]}`, tid: tenantIds[0] })
  for (const verifier of [template.verifier, resolverForRate])
    if (
      await verifier.verify(forged).then(
        () => true,
        () => false,
      )
    )
      throw new Error('a tenant token signed with another tenant key was accepted')

  const sharedKeyTemplate = makeSharedKeyTemplate()
  await verifyAll(sharedKeyTemplate, sharedKeyTokens)
  const contenders = [
    { id: 'single', verifier: staticIssuer, tokens: singleTokens },
    { id: 'single, as many keys', verifier: manyKeyIssuer, tokens: manyKeyTokens },
    { id: 'template', verifier: template.verifier, tokens: tenantTokens },
    { id: 'resolveIssuer', verifier: resolverForRate, tokens: tenantTokens },
    { id: 'template, shared key set', verifier: sharedKeyTemplate, tokens: sharedKeyTokens },
    { id: 'node:crypto, one key', verifier: rawOneKey, tokens: singleTokens },
    { id: 'node:crypto, as many keys', verifier: rawManyKeys, tokens: manyKeyTokens },
  ]
  const throughput = {}
  for (const concurrency of [1, 64]) {
    const rounds = Object.fromEntries(contenders.map(({ id }) => [id, []]))
    for (const { verifier, tokens } of contenders)
      await measure(verifier, tokens, concurrency, settings.verifierWarmupMs)
    for (let round = 0; round < settings.verifierRounds; round++)
      for (const { id, verifier, tokens } of rotate(contenders, round)) {
        collectGarbage()
        rounds[id].push(await measure(verifier, tokens, concurrency, settings.verifierMs))
      }
    const single = median(rounds.single)
    const sameKeys = median(rounds['single, as many keys'])
    throughput[`c${concurrency}`] = Object.fromEntries(
      contenders.map(({ id }) => [
        id,
        {
          rounds: rounds[id],
          median: median(rounds[id]),
          ratio: median(rounds[id]) / single,
          // Per-tenant keys against the single issuer doing the same key work.
          ...(PER_TENANT_KEYS.has(id) ? { sameKeysRatio: median(rounds[id]) / sameKeys } : {}),
        },
      ]),
    )
    process.stderr.write(
      `  tenants c${concurrency}: ` +
        contenders
          .map(
            ({ id }) =>
              `${id} ${Math.round(median(rounds[id]))} ops/s (${(median(rounds[id]) / single).toFixed(3)}×)`,
          )
          .join(', ') +
        '\n',
    )
  }
  contenders.length = 0
  dropAndMeasure(template)
  const results = {
    alg: ALG,
    tenants: all,
    heap: [template.result, resolver.result, reference.result, bounded.result],
    throughput,
    targetRatio: 0.9,
  }
  writeFileSync(process.argv[2], JSON.stringify(results))
} finally {
  await idp.close()
}
