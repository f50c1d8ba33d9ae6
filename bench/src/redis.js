import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'

/**
 * Redis for the HTTP benchmark's `tokenguard-redis-*` rows (issue 15): one redis-server started by the run
 * (as packages/redis/test/support/redis-server.ts does for the tests: a Unix socket in a temporary
 * directory, so no port to pick), shared by every server process under test, and the stores those
 * processes build on it. AOF on with `appendfsync everysec`, Redis' recommended production setting.
 */

const INSTALL = 'apt-get update && apt-get install -y redis-server'

/** Variants that need Redis, and what each measures. */
export const REDIS_VARIANTS = new Set(['tokenguard-redis-revocation', 'tokenguard-redis-dpop'])

/**
 * Starts redis-server, or prints a note and resolves `undefined` when it is not installed (the Redis rows
 * then show as n/a). `stop()` kills it and removes its directory.
 */
export async function startBenchRedis() {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    process.stderr.write(
      `  redis-server not found: the Redis rows are skipped. Install it with: ${INSTALL}\n`,
    )
    return undefined
  }
  const dir = mkdtempSync(join(tmpdir(), 'tokenguard-bench-redis-'))
  const socket = join(dir, 'redis.sock')
  const args = ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir]
  args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no')
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  await new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${output}`)), 10_000)
    const onExit = (code) => fail(new Error(`redis-server exited (${code}):\n${output}`))
    const fail = (error) => {
      clearTimeout(timer)
      void stop().then(() => reject(error))
    }
    child.stdout.on('data', (chunk) => {
      output += chunk
      if (!/ready to accept connections/i.test(output)) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.stdout.removeAllListeners('data')
      child.stdout.resume()
      child.stderr.resume()
      resolve()
    })
    child.stderr.on('data', (chunk) => (output += chunk))
    child.once('exit', onExit)
  })
  return { socket, stop }
}

/**
 * The options a `tokenguard-redis-*` variant adds to the adapter's (none for other variants):
 * - `tokenguard-redis-revocation`: the Redis revocation store holding the same 10 000 entries as the
 *   memory revocation row (none revoking a warm token) plus `revokedJti`, loaded into its local view
 *   before the server listens: `isRevoked` answers from it, no round trip per request.
 * - `tokenguard-redis-dpop`: the Redis DPoP replay store, one `SET NX PX` round trip per request.
 */
export async function redisOption(variant, { redisSocket, revokedJti }) {
  if (!REDIS_VARIANTS.has(variant)) return {}
  if (redisSocket === undefined) throw new Error(`redis-server not found (${INSTALL})`)
  const { createClient } = await import('redis')
  const { createRedisReplayStore, createRedisRevocationStore } = await import('@tokenguard/redis')
  const client = createClient({ socket: { path: redisSocket } })
  client.on('error', (error) => process.stderr.write(`    redis: ${error.message}\n`))
  await client.connect()
  if (variant === 'tokenguard-redis-dpop')
    return { dpop: { replayStore: createRedisReplayStore({ client }) } }

  const revocation = createRedisRevocationStore({ client })
  await revocation.ready()
  const now = Math.floor(Date.now() / 1000)
  const entries = [{ jti: revokedJti, exp: now + 3600 }]
  for (let n = 0; n < 5000; n++) {
    entries.push({ jti: `other-${n}`, exp: now + 3600 })
    entries.push({ sub: n < 50 ? `user-${n}` : `other-${n}`, before: now - 5 * 3600 })
  }
  // Written again by each server process (the same entries: Redis keeps one of each), in batches.
  for (let start = 0; start < entries.length; start += 500)
    await Promise.all(entries.slice(start, start + 500).map((entry) => revocation.revoke(entry)))
  return { revocation }
}
