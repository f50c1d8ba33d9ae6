import { VARIANT_NAMES } from './http-apps.js'
import { jweSection } from './jwe-report.js'
import { tenantsSection, tenantsTargets } from './tenants-report.js'
import { contenders } from './verifier-cases.js'
import { SCENARIOS } from './verifier-bench.js'

/**
 * Turns the raw results into docs/benchmarks.md (tables, ratios and the target check). The chart is
 * svg-chart.js; the raw numbers go to docs/benchmarks.json.
 */

const int = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a')
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN)
const x = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a')
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`
const mark = (pass) => (pass === undefined ? '–' : pass ? '✅' : '❌')

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The algorithms of issue 23's verifier target (HMAC's raw check is a microsecond: no fair floor). */
const FLOOR_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA']

const SCENARIO_TITLES = {
  'warm-1': 'warm (one token repeated), concurrency 1',
  'warm-64': 'warm (one token repeated), concurrency 64',
  'cold-1': 'cold (a new token every call), concurrency 1',
  'cold-64': 'cold (a new token every call), concurrency 64',
}

/** The best peer of one framework and mode (highest median), as `[variant, entry]`. */
export function bestPeer(byVariant) {
  return Object.entries(byVariant)
    .filter(
      ([variant, entry]) =>
        !['bare', 'noop', 'floor'].includes(variant) &&
        !variant.startsWith('tokenguard') &&
        Number.isFinite(entry.median),
    )
    .sort((a, b) => b[1].median - a[1].median)[0]
}

/**
 * `a ÷ b` of two entries' medians, with the spread of the per-round ratios when both were measured in the
 * same rounds (rounds interleave the contenders, so a round's ratio is the fairest pair): `0.93× (rounds
 * 0.90–0.97)`. Returns `[text, value]`.
 */
function ratioWithSpread(a, b) {
  const value = ratio(a?.median, b?.median)
  const aRounds = a?.rounds ?? []
  const bRounds = b?.rounds ?? []
  const perRound =
    aRounds.length === bRounds.length
      ? aRounds.map((round, i) => ratio(round, bRounds[i])).filter(Number.isFinite)
      : []
  const spread =
    perRound.length > 1
      ? ` (rounds ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`
      : ''
  return [`${x(value)}${spread}`, value]
}

/** `+12.3 µs/req` (or `n/a`): the server CPU one entry costs per request over another. */
function cpuDelta(entry, reference) {
  const delta = entry.cpuPerRequest - reference?.cpuPerRequest
  return Number.isFinite(delta) ? `${delta >= 0 ? '+' : ''}${delta.toFixed(1)} µs/req` : 'n/a'
}

/** Issue 12: DPoP through each framework next to Bearer (warm), and ahead of the peer that verifies DPoP. */
function dpopTargets(framework, byMode) {
  const dpop = byMode.dpop
  if (!dpop?.tokenguard) return []
  const items = [
    {
      target: `HTTP dpop ${framework}: tokenguard DPoP (fresh proof per request, replay store on) ÷ Bearer (warm)`,
      measured: x(ratio(dpop.tokenguard.median, byMode.warm?.tokenguard?.median)),
      pass: undefined,
    },
  ]
  const redis = dpop['tokenguard-redis-dpop']
  if (redis) {
    // Issue 15: one SET NX PX round trip per request; reported, no target.
    items.push({
      target: `HTTP dpop ${framework}: tokenguard DPoP with the Redis replay store ÷ the memory replay store`,
      measured: redis.unavailable
        ? 'n/a (no redis-server)'
        : `${x(ratio(redis.median, dpop.tokenguard.median))}, server CPU ${cpuDelta(redis, dpop.tokenguard)}`,
      pass: undefined,
    })
  }
  const peer = dpop['oauth2-jwt-bearer-dpop']
  if (peer) {
    const ahead = ratio(dpop.tokenguard.median, peer.median)
    items.push({
      target: `HTTP dpop ${framework}: ahead of express-oauth2-jwt-bearer with DPoP (which runs without replay protection)`,
      measured: x(ahead),
      pass: Number.isFinite(ahead) ? ahead > 1 : undefined,
    })
  }
  return items
}

/** Checks the targets of issue 5; each item is `{ target, measured, pass }` (`pass` undefined: not measured). */
export function evaluateTargets(results) {
  const items = []
  const http = results.http?.results
  if (http) {
    for (const [framework, byMode] of Object.entries(http)) {
      const warm = byMode.warm ?? {}
      const cold = byMode.cold ?? {}
      const tgWarm = warm.tokenguard?.median
      const tgCold = cold.tokenguard?.median
      const warmBest = bestPeer(warm)
      const coldBest = bestPeer(cold)
      const warmRatio = ratio(tgWarm, warm.bare?.median)
      const noopRatio = ratio(warm.noop?.median, warm.bare?.median)
      items.push({
        target: `HTTP warm ${framework}: tokenguard ≥ 0.90 × bare`,
        measured: Number.isFinite(noopRatio)
          ? `${x(warmRatio)} (a no-op middleware: ${x(noopRatio)})`
          : x(warmRatio),
        pass: Number.isFinite(warmRatio) ? warmRatio >= 0.9 : undefined,
      })
      // Issue 23: the physical floor. Warm, against one middleware that does nothing.
      if (warm.noop) {
        const [text, value] = ratioWithSpread(warm.tokenguard, warm.noop)
        items.push({
          target: `HTTP warm ${framework}: tokenguard ≥ 0.95 × a no-op middleware`,
          measured: `${text}, server CPU ${cpuDelta(warm.tokenguard, warm.noop)}`,
          pass: Number.isFinite(value) ? value >= 0.95 : undefined,
        })
      }
      const warmPeer = ratio(tgWarm, warmBest?.[1].median)
      items.push({
        target: `HTTP warm ${framework}: ahead of every peer`,
        measured: warmBest ? `${x(warmPeer)} ${VARIANT_NAMES[warmBest[0]]}` : 'n/a',
        pass: Number.isFinite(warmPeer) ? warmPeer > 1 : undefined,
      })
      const revocationRatio = ratio(warm['tokenguard-revocation']?.median, tgWarm)
      items.push({
        target: `HTTP warm ${framework}: with a memory revocation store ≥ 0.97 × without`,
        measured: x(revocationRatio),
        pass: Number.isFinite(revocationRatio) ? revocationRatio >= 0.97 : undefined,
      })
      const redisRevocation = warm['tokenguard-redis-revocation']
      if (redisRevocation) {
        const redisRatio = ratio(redisRevocation.median, tgWarm)
        items.push({
          target: `HTTP warm ${framework}: with the Redis revocation store ≥ 0.95 × without (no round trip per request)`,
          measured: redisRevocation.unavailable
            ? 'n/a (no redis-server)'
            : `${x(redisRatio)}, server CPU ${cpuDelta(redisRevocation, warm.tokenguard)}`,
          pass: Number.isFinite(redisRatio) ? redisRatio >= 0.95 : undefined,
        })
      }
      const coldPeer = ratio(tgCold, coldBest?.[1].median)
      items.push({
        target: `HTTP cold ${framework}: ahead of every peer`,
        measured: coldBest ? `${x(coldPeer)} ${VARIANT_NAMES[coldBest[0]]}` : 'n/a',
        pass: Number.isFinite(coldPeer) ? coldPeer > 1 : undefined,
      })
      // Issue 23: cold, against the least a verifier can do (floor-verifier.js).
      if (cold.floor) {
        const [text, value] = ratioWithSpread(cold.tokenguard, cold.floor)
        items.push({
          target: `HTTP cold ${framework}: tokenguard ≥ 0.85 × the floor verifier`,
          measured: `${text}, server CPU ${cpuDelta(cold.tokenguard, cold.floor)}`,
          pass: Number.isFinite(value) ? value >= 0.85 : undefined,
        })
      }
      items.push(...dpopTargets(framework, byMode))
    }
  }
  const verifier = results.verifier?.results
  if (verifier) {
    for (const [alg, byScenario] of Object.entries(verifier)) {
      const warm = ratio(
        byScenario['warm-1']?.tokenguard?.median,
        byScenario['warm-1']?.['fast-jwt-cache']?.median,
      )
      items.push({
        target: `Verifier warm ${alg}: tokenguard ≥ 2 × fast-jwt (cache)`,
        measured: x(warm),
        pass: Number.isFinite(warm) ? warm >= 2 : undefined,
      })
      for (const scenario of ['cold-1', 'cold-64']) {
        const cold = ratio(
          byScenario[scenario]?.['tokenguard-nocache']?.median,
          byScenario[scenario]?.jose?.median,
        )
        items.push({
          target: `Verifier ${scenario} ${alg}: tokenguard (cache: false) ≥ 0.90 × jose.jwtVerify`,
          measured: x(cold),
          pass: Number.isFinite(cold) ? cold >= 0.9 : undefined,
        })
      }
      // Issue 23: uncached verification under load, against one raw thread-pool signature check.
      if (FLOOR_ALGORITHMS.includes(alg)) {
        const cells = byScenario['cold-64'] ?? {}
        const [text, value] = ratioWithSpread(cells['tokenguard-nocache'], cells.crypto)
        items.push({
          target: `Verifier cold-64 ${alg}: tokenguard (cache: false) ≥ 0.85 × raw node:crypto (thread pool)`,
          measured: text,
          pass: Number.isFinite(value) ? value >= 0.85 : undefined,
        })
      }
    }
  }
  for (const run of results.memory?.results ?? []) {
    const name = `Memory, ${run.label}, ${run.kind ?? 'plain'} tokens`
    items.push({
      target: `${name}: heap growth ≤ cache.maxBytes`,
      measured: `${mib(run.heapGrowth)} ≤ ${mib(run.maxBytes)} after ${int(run.tokens)} tokens`,
      pass: run.withinBound,
    })
    if (run.retainedToCharge === undefined) continue
    items.push({
      target: `${name}: retained heap per entry ≤ 1.25 × its charge`,
      measured: `${int(run.retainedPerEntry)} / ${int(run.chargePerEntry)} bytes = ${x(run.retainedToCharge)}`,
      pass: Number.isFinite(run.retainedToCharge) ? run.retainedToCharge <= 1.25 : undefined,
    })
  }
  if (results.tenants) items.push(...tenantsTargets(results.tenants.results))
  return items
}

function httpSection(http) {
  const parts = [
    '## HTTP end to end',
    '',
    `${http.measuredAt ? `Measured ${http.measuredAt}. ` : ''}\`GET /api\` through each framework with RS256 tokens from the same loopback JWK Set; autocannon with ` +
      `${http.connections} connections${http.pinned ? ', server pinned to one CPU and the load generator to the other' : ''}. ` +
      'Warm: 100 tokens reused. Cold: every request a new token (a pool larger than any cache, in order). ' +
      'The no-op row is one middleware that does nothing (warm only): the floor any middleware pays. ' +
      'The floor verifier row (cold only) is the least a bearer verifier can do: split the token, parse ' +
      'header and payload, one node:crypto verification (thread-pool form) with a key fetched once, and ' +
      'check exp, iss and aud; in the adapter’s middleware or hook kind. ' +
      'The revocation row is tokenguard with a memory revocation store of 10 000 entries, none revoking ' +
      'the tokens sent (warm only; its ratio to tokenguard is in the targets). ' +
      'The Redis rows (issue 15) share one local redis-server on a Unix socket (AOF, fsync every second, ' +
      'not pinned): the Redis revocation store holds the same entries and answers from its local view; ' +
      'DPoP with the Redis replay store makes one SET NX PX round trip per request. ' +
      'DPoP: 100 DPoP-bound tokens reused, each request with a fresh proof made before the measurement ' +
      '(ES256, one per request), tokenguard with its default in-memory replay store on; the ' +
      'express-oauth2-jwt-bearer DPoP row runs without replay protection (it has none: a replayed proof ' +
      'passes), so it does less work per request. ' +
      'Requests per second, median over rounds; p99 latency in ms. Server CPU µs/req is the server ' +
      "process's CPU time divided by the requests it served: its own cost per request, which stays " +
      'meaningful when the load generator (one core on a two-core machine) cannot saturate the server.',
    '',
  ]
  const rows = []
  for (const [framework, byMode] of Object.entries(http.results)) {
    for (const [mode, byVariant] of Object.entries(byMode)) {
      const tg = byVariant.tokenguard?.median
      const best = bestPeer(byVariant)
      for (const [variant, entry] of Object.entries(byVariant)) {
        const value = entry.unavailable ? 'n/a' : int(entry.median)
        const failed = entry.failed > 0 ? ` (${int(entry.failed)} failed)` : ''
        rows.push([
          framework,
          mode,
          VARIANT_NAMES[variant] ?? variant,
          value + failed,
          entry.unavailable || !Number.isFinite(entry.cpuPerRequest) ? '' : entry.cpuPerRequest.toFixed(1),
          entry.unavailable ? '' : int(entry.latencyP99),
          variant.startsWith('tokenguard') || variant === 'noop' || variant === 'floor'
            ? x(ratio(entry.median, byVariant.bare?.median))
            : '',
          variant === 'tokenguard' ? x(ratio(tg, best?.[1].median)) : '',
        ])
      }
    }
  }
  parts.push(
    table(
      [
        'Framework',
        'Mode',
        'App',
        'req/s',
        'server CPU µs/req',
        'p99 ms',
        'app ÷ bare',
        'tokenguard ÷ best peer',
      ],
      rows,
    ),
  )
  return parts.join('\n')
}

function verifierSection(verifier) {
  const parts = [
    '## Verifier',
    '',
    (verifier.measuredAt ? `Measured ${verifier.measuredAt}. ` : '') +
      'Operations per second, median over rounds. Synchronous libraries are timed in a plain loop, ' +
      'asynchronous ones with an `await` per call; at concurrency 64 the raw node:crypto line uses the ' +
      'thread-pool (callback) form. Static keys, issuer and audience checked by everyone. tokenguard runs ' +
      'with its default cache; each cold measurement uses a fresh instance and never repeats a token.',
  ]
  const names = Object.fromEntries(contenders.map((contender) => [contender.id, contender.name]))
  for (const scenario of SCENARIOS) {
    const ids = contenders
      .map((contender) => contender.id)
      .filter((id) => Object.values(verifier.results).some((byScenario) => byScenario[scenario.id]?.[id]))
    const ratios =
      scenario.mode === 'warm'
        ? [['tokenguard ÷ fast-jwt (cache)', 'tokenguard', 'fast-jwt-cache']]
        : [
            ['tokenguard ÷ jose', 'tokenguard', 'jose'],
            ['tokenguard (cache: false) ÷ jose', 'tokenguard-nocache', 'jose'],
          ]
    const rows = Object.entries(verifier.results).map(([alg, byScenario]) => {
      const cells = byScenario[scenario.id]
      return [
        alg,
        ...ids.map((id) => (cells[id]?.unsupported ? 'n/a' : int(cells[id]?.median))),
        ...ratios.map(([, a, b]) => x(ratio(cells[a]?.median, cells[b]?.median))),
      ]
    })
    parts.push(
      '',
      `### ${SCENARIO_TITLES[scenario.id]}`,
      '',
      table(['alg', ...ids.map((id) => names[id]), ...ratios.map(([title]) => title)], rows),
    )
  }
  const unsupported = new Set()
  for (const byScenario of Object.values(verifier.results)) {
    for (const byContender of Object.values(byScenario)) {
      for (const [id, entry] of Object.entries(byContender))
        if (entry.unsupported) unsupported.add(`${names[id]}: ${entry.unsupported}`)
    }
  }
  if (unsupported.size > 0) parts.push('', `n/a: ${[...unsupported].join('; ')}`)
  return parts.join('\n')
}

function memorySection(memory) {
  const rows = memory.results.map((run) => [
    run.label,
    `${run.kind ?? 'plain'} (${int(run.tokenLength)})`,
    `${int(run.maxEntries)} / ${mib(run.maxBytes)}`,
    int(run.tokens),
    mib(run.heapBefore),
    mib(run.heapAfter),
    mib(run.heapGrowth),
    int(run.cacheSize),
    run.retainedToCharge === undefined
      ? `${int(run.heapPerEntry)} / ${int(run.estimatePerEntry)}`
      : `${int(run.retainedPerEntry)} / ${int(run.chargePerEntry)}`,
    x(run.retainedToCharge),
    mark(run.withinBound),
  ])
  return [
    '## Memory',
    '',
    'Distinct valid HS256 tokens through one verifier: plain (seven claims), typical (an OIDC provider’s ' +
      'access token) and claim-heavy (hundreds of small values: short strings, small arrays and objects, ' +
      'boxed numbers). Heap measured after a full GC, before the verifier is created and after the last ' +
      'token; growth must stay within `cache.maxBytes`. Retained per entry is the heap growth after a ' +
      'warm-up divided by the entries added since; the charge is what the cache counted against ' +
      '`maxBytes` for them (`cacheStats().bytes`); their ratio must stay ≤ 1.25. Measured ' +
      `${memory.measuredAt}.`,
    '',
    table(
      [
        'Cache',
        'Tokens (characters)',
        'maxEntries / maxBytes',
        'Tokens',
        'Heap before',
        'Heap after',
        'Growth',
        'Entries',
        'Retained / charge per entry (bytes)',
        'Ratio',
        'Within bound',
      ],
      rows,
    ),
  ].join('\n')
}

export function renderMarkdown(results) {
  const env = results.environment
  const targets = evaluateTargets(results)
  const sections = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/src/run.js). Do not edit by hand. -->',
    '',
    `Measured ${env.date} on Node ${env.node}, ${env.cpus} × ${env.cpuModel}, ${env.platform}; ` +
      `${env.quick ? '**quick mode (BENCH_QUICK=1): indicative only**' : 'full mode'}. Load average at start: ` +
      `${env.loadavg.map((value) => value.toFixed(2)).join(', ')}. Rounds: verifier ${env.verifierRounds} × ` +
      `${env.verifierMs} ms, HTTP ${env.httpRounds} × ${env.httpSeconds} s (after ${env.httpWarmupSeconds} s warm-up). ` +
      'Contenders run interleaved, in a rotating order; every figure is a median over rounds. A part run ' +
      'alone (`BENCH_ONLY`) dates this line; the parts it left keep their earlier results and the date of ' +
      'their own run. Raw numbers: [benchmarks.json](benchmarks.json).',
    '',
    '![Requests per second and verifications per second](benchmarks.svg)',
    '',
    '## Targets',
    '',
    table(
      ['Target', 'Measured', ''],
      targets.map((item) => [item.target, item.measured, mark(item.pass)]),
    ),
  ]
  if (results.http) sections.push('', httpSection(results.http))
  if (results.verifier) sections.push('', verifierSection(results.verifier))
  if (results.memory) sections.push('', memorySection(results.memory))
  if (results.jwe) sections.push('', jweSection(results.jwe))
  if (results.tenants)
    sections.push('', tenantsSection({ ...results.tenants.results, measuredAt: results.tenants.measuredAt }))
  sections.push(
    '',
    '## How to run',
    '',
    '`npm run bench` (full, about 15 minutes) or `BENCH_QUICK=1 npm run bench` (about 90 seconds, for ' +
      'development). `BENCH_ONLY=verifier,http,memory,jwe,tenants,introspection` selects parts; parts not run ' +
      'keep their previous results, and `BENCH_ONLY=none` only renders this page again from benchmarks.json. ' +
      'Run it on an otherwise idle machine: the numbers are only comparable within one run.',
    '',
  )
  return sections.join('\n')
}
