// Runs the built demo (what `npm start` runs) as a child process, executes the curl commands it prints
// with fetch, and checks that each gets the status printed above it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'

const example = fileURLToPath(new URL('..', import.meta.url))
const demo = `${example}dist/demo.js`
const READY = 'Press Ctrl-C to stop.'

// `npm test` builds before Jest; a bare `jest` run after editing the sources builds here.
beforeAll(() => {
  const buildInfo = `${example}dist/.tsbuildinfo`
  const built = existsSync(demo) && existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0
  const sources = readdirSync(`${example}src`).map((file) => statSync(`${example}src/${file}`).mtimeMs)
  if (sources.some((mtime) => mtime > built)) {
    const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))
    execFileSync(process.execPath, [tsc, '--build', example], { stdio: 'inherit' })
  }
}, 120_000)

interface Demo {
  child: ChildProcessWithoutNullStreams
  stdout: string
  stderr: string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const children: ChildProcessWithoutNullStreams[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

/** Spawns the demo; resolves when it is ready (or has exited). */
async function startDemo(env: Record<string, string> = {}): Promise<Demo> {
  // Jest's NODE_OPTIONS (--experimental-vm-modules) is no business of the demo's.
  const { ISSUER: _issuer, AUDIENCE: _audience, NODE_OPTIONS: _options, ...inherited } = process.env
  const child = spawn(process.execPath, [demo], { env: { ...inherited, PORT: '0', ...env } })
  children.push(child)
  const state: Demo = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (state.stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (state.stderr += chunk))
  await new Promise<void>((resolve) => {
    const check = () => state.stdout.includes(READY) && resolve()
    child.stdout.on('data', check)
    void state.exit.then(() => resolve())
  })
  return state
}

interface Command {
  status: number
  url: string
  headers: Record<string, string>
}

/** Splits a shell line on spaces, keeping double-quoted words whole (all the demo prints). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!)
}

/** Reads every `# expect NNN…` label and the `curl` line under it. */
function parseCommands(output: string, substitute: Record<string, string> = {}): Command[] {
  return [...output.matchAll(/^# expect (\d{3})\b.*\n(curl .*)$/gm)].map(([, status, line]) => {
    const words = shellWords(line!.replace(/\$(\w+)/g, (_, name: string) => substitute[name] ?? `$${name}`))
    const command: Command = { status: Number(status), url: '', headers: {} }
    expect(words[0]).toBe('curl')
    for (let i = 1; i < words.length; i++) {
      const word = words[i]!
      if (word === '-i') continue
      if (word === '-H') {
        const [name, ...value] = words[++i]!.split(':')
        command.headers[name!] = value.join(':').trim()
      } else if (/^https?:\/\//.test(word)) command.url = word
      else throw new Error(`unexpected curl argument ${word}`)
    }
    return command
  })
}

async function run(command: Command): Promise<number> {
  const res = await fetch(command.url, { headers: command.headers })
  await res.arrayBuffer()
  return res.status
}

async function expectPrintedStatuses(commands: Command[]): Promise<void> {
  const got = []
  for (const command of commands) got.push({ url: command.url, status: await run(command) })
  expect(got).toEqual(commands.map(({ url, status }) => ({ url, status })))
}

describe('npm start demo, embedded local issuer', () => {
  it('prints curl commands that give the printed statuses, and stops cleanly on Ctrl-C', async () => {
    const demo = await startDemo()
    expect(demo.stderr).toBe('')
    expect(demo.stdout).toContain('TEST tokens')
    const commands = parseCommands(demo.stdout)
    expect(commands.map((c) => c.status).sort()).toEqual([200, 200, 200, 401, 401, 403])
    for (const path of ['/health', '/me', '/items'])
      expect(commands.some((c) => new URL(c.url).pathname === path)).toBe(true)
    await expectPrintedStatuses(commands)

    // Under `npm start`, Ctrl-C arrives twice: from the terminal and forwarded by npm.
    demo.child.kill('SIGINT')
    demo.child.kill('SIGINT')
    expect(await demo.exit).toEqual({ code: 0, signal: null })
    expect(demo.stderr).toBe('')
  })

  it('fails with a clear message when the port is taken', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as { port: number }
    try {
      const demo = await startDemo({ PORT: String(port) })
      expect((await demo.exit).code).toBe(1)
      expect(demo.stderr).toContain(`port ${port}`)
      expect(demo.stdout).not.toContain('curl')
    } finally {
      blocker.close()
    }
  })

  it('refuses a bad PORT', async () => {
    const demo = await startDemo({ PORT: 'eighty' })
    expect((await demo.exit).code).toBe(1)
    expect(demo.stderr).toContain('"PORT"')
  })
})

describe('npm start demo, with ISSUER and AUDIENCE', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'https://api.example.com' })
  })
  afterAll(() => issuer.close())

  it('protects the example with that issuer and prints no token', async () => {
    const demo = await startDemo({ ISSUER: issuer.url, AUDIENCE: 'https://api.example.com' })
    expect(demo.stdout).toContain(READY)
    expect(demo.stdout).not.toMatch(/eyJ/)
    const token = await issuer.sign({ scope: 'read:items' })
    const commands = parseCommands(demo.stdout, { TOKEN: token })
    expect(commands.map((c) => c.status)).toEqual([200, 401, 200, 200])
    await expectPrintedStatuses(commands)
    // The last command's label promises 403 for a token without the scope.
    const last = { ...commands.at(-1)!, headers: { Authorization: `Bearer ${await issuer.sign()}` } }
    expect(await run(last)).toBe(403)

    demo.child.kill('SIGTERM')
    expect(await demo.exit).toEqual({ code: 0, signal: null })
  })

  it('refuses ISSUER without AUDIENCE', async () => {
    const demo = await startDemo({ ISSUER: issuer.url })
    expect((await demo.exit).code).toBe(1)
    expect(demo.stderr).toContain('AUDIENCE')
  })
})
