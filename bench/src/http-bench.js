import { Buffer } from 'node:buffer'
import { execFileSync, fork } from 'node:child_process'
import { fileURLToPath, URL } from 'node:url'
import process from 'node:process'
import autocannon from 'autocannon'
import { FRAMEWORKS, WARM_ONLY } from './http-apps.js'
import { settings } from './config.js'
import { median, rotate } from './stats.js'

/**
 * HTTP end to end: autocannon on loopback against each framework's apps (see http-apps.js), warm (100
 * tokens reused) and cold (every request a new token). Every measurement gets a freshly started server
 * process, so no cache survives from one measurement to the next; within one, a warm-up precedes the
 * measured run. With taskset available the server runs on CPU 1 and this process (the load generator)
 * on CPU 0, so neither steals the other's core.
 */

const SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url))
export const MODES = ['warm', 'cold']

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

function load(port, nextToken, seconds) {
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
          headers: { ...request.headers, authorization: `Bearer ${nextToken()}` },
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
  if (variant !== 'tokenguard-revocation') return
  const revoked = await call(fixture.cold.at(-1))
  await revoked.arrayBuffer()
  if (revoked.status !== 401) throw new Error(`revoked token answered ${revoked.status}`)
}

async function measureOnce(framework, variant, mode, config, fixture, pin) {
  const server = await startServer(framework, variant, config, pin)
  try {
    if (server.unavailable) return { unavailable: server.unavailable }
    await sanityCheck(server.port, variant, fixture)
    const tokens = mode === 'warm' ? fixture.cold.slice(0, settings.warmHttpTokens) : fixture.cold
    // One cyclic sequence for warm-up and measurement: in cold mode no token repeats within any cache.
    const nextToken = tokenSource(tokens)
    await load(server.port, nextToken, settings.httpWarmupSeconds)
    const before = await serverStats(server.child)
    const result = await load(server.port, nextToken, settings.httpSeconds)
    const after = await serverStats(server.child)
    const failed = result.non2xx + result.errors + result.timeouts
    const cpu = (usage) => usage.cpu.user + usage.cpu.system
    return {
      rps: result.requests.total / result.duration,
      cpuPerRequest: (cpu(after) - cpu(before)) / Math.max(1, after.requests - before.requests),
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      failed,
    }
  } catch (error) {
    return { unavailable: String(error?.message ?? error) }
  } finally {
    await stopServer(server.child)
  }
}

export async function runHttpBench(fixtures, jwks) {
  const fixture = fixtures.algs.RS256
  // The last cold token is never sent warm: the revocation variant revokes it for its sanity check.
  const lastPayload = fixture.cold.at(-1).split('.')[1]
  const revokedJti = JSON.parse(Buffer.from(lastPayload, 'base64url').toString()).jti
  const config = { issuer: jwks.issuer, audience: fixtures.audience, jwksUri: jwks.jwksUri, revokedJti }
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
          // The no-op reference only matters warm: cold, it would measure the bare app again.
          const selected = variants.filter(
            (variant) =>
              (!settings.variants || settings.variants.includes(variant)) &&
              !(WARM_ONLY.has(variant) && mode === 'cold'),
          )
          for (const variant of rotate(selected, round)) {
            const entry = (results[framework][mode][variant] ??= {
              rounds: [],
              cpuPerRequest: [],
              latencyP99: [],
              failed: 0,
            })
            if (entry.unavailable) continue
            const outcome = await measureOnce(framework, variant, mode, config, fixture, pin)
            if (outcome.unavailable) {
              entry.unavailable = outcome.unavailable
              process.stderr.write(`    ${framework}/${variant}: n/a (${outcome.unavailable})\n`)
              continue
            }
            entry.rounds.push(outcome.rps)
            entry.cpuPerRequest.push(outcome.cpuPerRequest)
            entry.latencyP99.push(outcome.latencyP99)
            entry.failed += outcome.failed
            process.stderr.write(
              `    ${framework} ${mode} ${variant}: ${Math.round(outcome.rps)} req/s, ${outcome.cpuPerRequest.toFixed(1)} µs CPU/req\n`,
            )
          }
        }
      }
    }
  } finally {
    if (pin) pinSelf('0-1')
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
