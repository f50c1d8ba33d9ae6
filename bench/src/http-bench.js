import { Buffer } from 'node:buffer'
import { execFileSync, fork } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath, URL } from 'node:url'
import process from 'node:process'
import autocannon from 'autocannon'
import { COLD_ONLY, DPOP_VARIANTS, FRAMEWORKS, WARM_ONLY } from './http-apps.js'
import { DPOP_HOST, makeDpopRequests } from './dpop.js'
import { startBenchRedis } from './redis.js'
import { settings } from './config.js'
import { median, rotate } from './stats.js'

/**
 * HTTP end to end: autocannon on loopback against each framework's apps (see http-apps.js), warm (100
 * tokens reused), cold (every request a new token) and dpop (100 DPoP-bound tokens reused, every request
 * with a fresh pre-made proof). Every measurement gets a freshly started server
 * process, so no cache survives from one measurement to the next; within one, a warm-up precedes the
 * measured run. With taskset available the server runs on CPU 1 and this process (the load generator)
 * on CPU 0, so neither steals the other's core.
 */

const SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url))
export const MODES = ['warm', 'cold', 'dpop']

function hasTaskset() {
  if (process.env.BENCH_PIN === '0' || process.platform !== 'linux') return false
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function pinSelf(cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' })
}

function startServer(framework, variant, config, pin) {
  const child = fork(SERVER, [JSON.stringify({ framework, variant, ...config })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // `test` keeps Express's default handler from logging every 401 of the sanity check.
    env: { ...process.env, NODE_ENV: 'test' },
    ...(pin ? { execPath: 'taskset', execArgv: ['-c', '1', process.execPath] } : {}),
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ...message }))
    child.once('exit', (code) => reject(new Error(`${framework}/${variant} server exited with ${code}`)))
  })
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', resolve)
    child.kill('SIGKILL')
  })
}

/** The server's CPU time (µs) and request count so far. */
function serverStats(child) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (!message?.stats) return
      child.off('message', onMessage)
      resolve(message.stats)
    }
    child.on('message', onMessage)
    child.send('stats')
  })
}

/** A request source handing out tokens in order, cycling: one per request. */
function tokenSource(tokens) {
  let next = 0
  return () => tokens[next++ % tokens.length]
}

/** What each request carries: `Bearer <token>`, or (DPoP) `DPoP <token>` with its own proof. */
function bearerHeaders(nextToken) {
  return () => ({ authorization: `Bearer ${nextToken()}` })
}
function dpopHeaders(requests) {
  let next = 0
  return () => {
    const { token, proof } = requests[next++ % requests.length]
    return { authorization: `DPoP ${token}`, dpop: proof, host: DPOP_HOST }
  }
}

function load(port, nextHeaders, seconds) {
  return autocannon({
    url: `http://127.0.0.1:${port}/api`,
    connections: settings.httpConnections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, ...nextHeaders() },
        }),
      },
    ],
  })
}

/** Checks that the app really authenticates: a valid token passes, a forged or missing one does not. */
async function sanityCheck(port, variant, fixture) {
  const url = `http://127.0.0.1:${port}/api`
  const call = (token) =>
    globalThis.fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const ok = await call(fixture.warm)
  const body = await ok.json()
  if (ok.status !== 200) throw new Error(`valid token answered ${ok.status}`)
  if (variant === 'bare' || variant === 'noop') return
  if (body.sub !== 'user--1') throw new Error(`valid token gave sub ${body.sub}`)
  const at = fixture.warm.lastIndexOf('.') + 10
  const forged =
    fixture.warm.slice(0, at) + (fixture.warm[at] === 'A' ? 'B' : 'A') + fixture.warm.slice(at + 1)
  const [bad, none] = await Promise.all([call(forged), call(undefined)])
  await Promise.all([bad.arrayBuffer(), none.arrayBuffer()])
  if (bad.status !== 401 || none.status !== 401)
    throw new Error(`forged ${bad.status}, missing ${none.status}`)
  if (!variant.endsWith('-revocation')) return
  const revoked = await call(fixture.cold.at(-1))
  await revoked.arrayBuffer()
  if (revoked.status !== 401) throw new Error(`revoked token answered ${revoked.status}`)
}

/**
 * DPoP: a bound token with a fresh proof passes; the same proof again is refused by tokenguard (its replay
 * store) and accepted by the peer (which leaves replay detection to its users): noted, not an error.
 */
async function dpopSanityCheck(port, variant, fixture, dpopClient) {
  const token = fixture.bound[0]
  const proof = dpopClient.proof(token)
  // node:http, not fetch: fetch drops a `Host` header (a forbidden header name), and proofs name DPOP_HOST.
  const call = () =>
    new Promise((resolve, reject) => {
      const headers = { authorization: `DPoP ${token}`, dpop: proof, host: DPOP_HOST }
      request(`http://127.0.0.1:${port}/api`, { headers }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      })
        .on('error', reject)
        .end()
    })
  const first = await call()
  if (first !== 200) throw new Error(`valid DPoP request answered ${first}`)
  const replay = await call()
  if (variant.startsWith('tokenguard') && replay !== 401) throw new Error(`replayed proof answered ${replay}`)
  return { replayAccepted: replay === 200 }
}

async function measureOnce(framework, variant, mode, config, fixture, pin, dpopClient) {
  const server = await startServer(framework, variant, config, pin)
  try {
    if (server.unavailable) return { unavailable: server.unavailable }
    await sanityCheck(server.port, variant, fixture)
    let nextHeaders
    let replayAccepted
    if (mode === 'dpop') {
      ;({ replayAccepted } = await dpopSanityCheck(server.port, variant, fixture, dpopClient))
      // Made now, not at start-up: a proof is only accepted for dpop.maxAge (300 s) after its `iat`.
      nextHeaders = dpopHeaders(makeDpopRequests(dpopClient, fixture.bound, settings.dpopProofs))
    } else {
      const tokens = mode === 'warm' ? fixture.cold.slice(0, settings.warmHttpTokens) : fixture.cold
      // One cyclic sequence for warm-up and measurement: in cold mode no token repeats within any cache.
      nextHeaders = bearerHeaders(tokenSource(tokens))
    }
    await load(server.port, nextHeaders, settings.httpWarmupSeconds)
    const before = await serverStats(server.child)
    const result = await load(server.port, nextHeaders, settings.httpSeconds)
    const after = await serverStats(server.child)
    const failed = result.non2xx + result.errors + result.timeouts
    const cpu = (usage) => usage.cpu.user + usage.cpu.system
    return {
      rps: result.requests.total / result.duration,
      cpuPerRequest: (cpu(after) - cpu(before)) / Math.max(1, after.requests - before.requests),
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      failed,
      ...(replayAccepted === undefined ? {} : { replayAccepted }),
    }
  } catch (error) {
    return { unavailable: String(error?.message ?? error) }
  } finally {
    await stopServer(server.child)
  }
}

export async function runHttpBench(fixtures, jwks, dpopClient) {
  const fixture = fixtures.algs.RS256
  // The last cold token is never sent warm: the revocation variant revokes it for its sanity check.
  const lastPayload = fixture.cold.at(-1).split('.')[1]
  const revokedJti = JSON.parse(Buffer.from(lastPayload, 'base64url').toString()).jti
  // The `tokenguard-redis-*` rows share one redis-server (unpinned); without it they show as n/a.
  const redis = await startBenchRedis()
  const config = {
    issuer: jwks.issuer,
    audience: fixtures.audience,
    jwksUri: jwks.jwksUri,
    revokedJti,
    redisSocket: redis?.socket,
  }
  const pin = hasTaskset()
  if (pin) pinSelf('0')
  const results = {}
  try {
    for (let round = 0; round < settings.httpRounds; round++) {
      process.stderr.write(`  http round ${round + 1}/${settings.httpRounds}\n`)
      for (const [framework, { variants }] of Object.entries(FRAMEWORKS)) {
        if (settings.frameworks && !settings.frameworks.includes(framework)) continue
        results[framework] ??= {}
        for (const mode of MODES) {
          if (settings.modes && !settings.modes.includes(mode)) continue
          results[framework][mode] ??= {}
          // The no-op reference only matters warm: cold, it would measure the bare app again. The floor
          // verifier (issue 23) only cold: it caches nothing.
          // DPoP rows: only the variants that verify proofs, and those only in dpop mode.
          const selected = variants.filter(
            (variant) =>
              (!settings.variants || settings.variants.includes(variant)) &&
              !(WARM_ONLY.has(variant) && mode === 'cold') &&
              !(COLD_ONLY.has(variant) && mode !== 'cold') &&
              (mode === 'dpop' ? DPOP_VARIANTS.has(variant) : !variant.endsWith('-dpop')),
          )
          for (const variant of rotate(selected, round)) {
            const entry = (results[framework][mode][variant] ??= {
              rounds: [],
              cpuPerRequest: [],
              latencyP99: [],
              failed: 0,
            })
            if (entry.unavailable) continue
            const outcome = await measureOnce(framework, variant, mode, config, fixture, pin, dpopClient)
            if (outcome.unavailable) {
              entry.unavailable = outcome.unavailable
              process.stderr.write(`    ${framework}/${variant}: n/a (${outcome.unavailable})\n`)
              continue
            }
            entry.rounds.push(outcome.rps)
            entry.cpuPerRequest.push(outcome.cpuPerRequest)
            entry.latencyP99.push(outcome.latencyP99)
            entry.failed += outcome.failed
            if (outcome.replayAccepted !== undefined) entry.replayAccepted = outcome.replayAccepted
            process.stderr.write(
              `    ${framework} ${mode} ${variant}: ${Math.round(outcome.rps)} req/s, ${outcome.cpuPerRequest.toFixed(1)} µs CPU/req\n`,
            )
          }
        }
      }
    }
  } finally {
    if (pin) pinSelf('0-1')
    await redis?.stop()
  }
  for (const byMode of Object.values(results)) {
    for (const byVariant of Object.values(byMode)) {
      for (const entry of Object.values(byVariant)) {
        entry.median = median(entry.rounds)
        entry.latencyP99 = median(entry.latencyP99)
        entry.cpuPerRequest = median(entry.cpuPerRequest)
      }
    }
  }
  return { results, pinned: pin, connections: settings.httpConnections, alg: 'RS256' }
}
