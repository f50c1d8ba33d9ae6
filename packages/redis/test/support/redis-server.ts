import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real `redis-server` for the tests, on a Unix socket in a temporary directory (no port to pick or to
 * clash with, and the same address after a restart), with AOF on and fsync'd at every write, so that a
 * SIGKILL loses nothing and a restart from the same directory replays it.
 */
export interface RedisServer {
  /** Unix socket path, for `createClient({ socket: { path } })` or `new Redis({ path })`. */
  readonly socket: string
  /** Kills the server at once (SIGKILL: no shutdown save; only the AOF survives). */
  kill(): Promise<void>
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void
  /** Thaws it (SIGCONT). */
  resume(): void
  /** Starts it again on the same socket and directory. */
  restart(): Promise<void>
  /** Kills it and removes its directory. */
  stop(): Promise<void>
}

const INSTALL = 'apt-get update && apt-get install -y redis-server'

/**
 * Whether `redis-server` can run here. Missing: a skip with the install command, except under `CI=true`,
 * where the Redis tests must run (`.ci/run` installs it).
 */
export function redisServerAvailable(): boolean {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
  if (found) return true
  if (process.env.CI === 'true') throw new Error(`redis-server is required under CI=true: ${INSTALL}`)
  console.warn(`redis-server not found: the Redis tests are skipped. Install it with: ${INSTALL}`)
  return false
}

function launch(dir: string, socket: string): Promise<ChildProcess> {
  const args = ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir]
  args.push('--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no')
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${output}`)), 10_000)
    const onExit = (code: number | null) => fail(new Error(`redis-server exited (${code}):\n${output}`))
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(error)
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer)
        child.off('exit', onExit)
        child.stdout?.removeAllListeners('data')
        child.stdout?.resume()
        resolve(child)
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', onExit)
  })
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tokenguard-redis-'))
  const socket = join(dir, 'redis.sock')
  let child = await launch(dir, socket)
  return {
    socket,
    kill: () => killed(child),
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async restart() {
      await killed(child)
      child = await launch(dir, socket)
    },
    async stop() {
      await killed(child)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
