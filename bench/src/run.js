import { execFile } from 'node:child_process'
import { cpus, loadavg, tmpdir } from 'node:os'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'
import { fileURLToPath, URL } from 'node:url'
import { ALGORITHMS, settings } from './config.js'
import { makeFixtures } from './fixtures.js'
import { createDpopClient } from './dpop.js'
import { runHttpBench } from './http-bench.js'
import { startJwksServer } from './jwks-server.js'
import { renderMarkdown } from './report.js'
import { withIntrospectionSection } from './introspection-report.js'
import { renderSvg } from './svg-chart.js'

/**
 * `npm run bench`: verifier micro-benchmark, memory bound, encrypted tokens, multi-tenant issuers, then HTTP
 * end to end; writes docs/benchmarks.{json,svg,md}. Each heavy part runs in a child process of its own.
 */

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url))

function child(script, args) {
  return new Promise((resolve, reject) => {
    const run = execFile(process.execPath, ['--expose-gc', here(script), ...args], { maxBuffer: 1 << 26 })
    run.stderr.pipe(process.stderr)
    run.stdout.pipe(process.stdout)
    run.on('error', reject)
    run.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))))
  })
}

async function formatMarkdown(markdown, path) {
  try {
    const prettier = await import('prettier')
    const options = (await prettier.resolveConfig(path)) ?? {}
    return await prettier.format(markdown, { ...options, parser: 'markdown' })
  } catch {
    return markdown
  }
}

const started = Date.now()
const previousPath = join(DOCS, 'benchmarks.json')
const previous = existsSync(previousPath) ? JSON.parse(readFileSync(previousPath, 'utf8')) : {}
// `BENCH_ONLY=none` measures nothing and only renders docs/benchmarks.md again from benchmarks.json.
const PARTS = ['verifier', 'http', 'memory', 'jwe', 'tenants', 'introspection']
const measuring = settings.only.some((part) => PARTS.includes(part))
const results = {
  ...previous,
  environment: measuring
    ? {
        date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
        node: process.version,
        platform: `${process.platform}/${process.arch}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model?.trim() ?? 'unknown CPU',
        loadavg: loadavg(),
        quick: settings.quick,
        verifierRounds: settings.verifierRounds,
        verifierMs: settings.verifierMs,
        httpRounds: settings.httpRounds,
        httpSeconds: settings.httpSeconds,
        httpWarmupSeconds: settings.httpWarmupSeconds,
      }
    : previous.environment,
}

const work = mkdtempSync(join(tmpdir(), 'tokenguard-bench-'))
const jwks = await startJwksServer([])
try {
  process.stderr.write('Signing tokens…\n')
  // The DPoP client's key never leaves this process: children get tokens bound to its thumbprint.
  const dpopClient = createDpopClient()
  const fixtures = makeFixtures(ALGORITHMS, jwks.issuer, settings.coldPool, {
    boundTo: dpopClient.thumbprint,
  })
  jwks.setKeys(
    Object.values(fixtures.algs).flatMap((fixture) => (fixture.publicJwk ? [fixture.publicJwk] : [])),
  )
  // Public keys, the throw-away HMAC secret and tokens only; deleted when the run ends.
  const fixturesPath = join(work, 'fixtures.json')
  writeFileSync(fixturesPath, JSON.stringify(fixtures), { mode: 0o600 })

  if (settings.only.includes('verifier')) {
    process.stderr.write('Verifier benchmark…\n')
    const out = join(work, 'verifier.json')
    await child('verifier-bench.js', [fixturesPath, out])
    results.verifier = {
      measuredAt: results.environment.date,
      results: JSON.parse(readFileSync(out, 'utf8')),
    }
  }
  if (settings.only.includes('memory')) {
    process.stderr.write('Memory benchmark…\n')
    const out = join(work, 'memory.json')
    await child('memory-bench.js', [out])
    results.memory = { measuredAt: results.environment.date, results: JSON.parse(readFileSync(out, 'utf8')) }
  }
  if (settings.only.includes('jwe')) {
    process.stderr.write('Encrypted-token benchmark…\n')
    const out = join(work, 'jwe.json')
    await child('jwe-bench.js', [out])
    results.jwe = { measuredAt: results.environment.date, results: JSON.parse(readFileSync(out, 'utf8')) }
  }
  if (settings.only.includes('tenants')) {
    process.stderr.write('Multi-tenant benchmark…\n')
    const out = join(work, 'tenants.json')
    await child('tenants-bench.js', [out])
    results.tenants = { measuredAt: results.environment.date, results: JSON.parse(readFileSync(out, 'utf8')) }
  }
  if (settings.only.includes('introspection')) {
    process.stderr.write('Introspection benchmark…\n')
    const out = join(work, 'introspection.json')
    await child('introspection-bench.js', [out])
    results.introspection = {
      measuredAt: results.environment.date,
      results: JSON.parse(readFileSync(out, 'utf8')),
    }
  }
  if (settings.only.includes('http')) {
    process.stderr.write('HTTP benchmark…\n')
    const http = await runHttpBench(fixtures, jwks, dpopClient)
    // A run restricted to some frameworks, modes or variants keeps the previous rows of the others.
    if ((settings.frameworks || settings.modes || settings.variants) && previous.http?.results)
      for (const [framework, byMode] of Object.entries(previous.http.results))
        for (const [mode, byVariant] of Object.entries(byMode))
          http.results[framework] = {
            ...http.results[framework],
            [mode]: { ...byVariant, ...http.results[framework]?.[mode] },
          }
    results.http = { measuredAt: results.environment.date, ...http }
  }
} finally {
  await jwks.close()
  rmSync(work, { recursive: true, force: true })
}

if (measuring) results.environment.seconds = Math.round((Date.now() - started) / 1000)
writeFileSync(previousPath, `${JSON.stringify(results, null, 2)}\n`)
writeFileSync(join(DOCS, 'benchmarks.svg'), renderSvg(results))
const markdownPath = join(DOCS, 'benchmarks.md')
writeFileSync(
  markdownPath,
  await formatMarkdown(withIntrospectionSection(renderMarkdown(results), results), markdownPath),
)
process.stderr.write(`Wrote docs/benchmarks.{md,json,svg} in ${results.environment.seconds} s\n`)
