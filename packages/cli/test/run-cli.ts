import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Runs the BUILT `tokenguard` binary as a user does: a real `node` process, its own stdin, stdout,
 * stderr and exit code. No mocks: the issuers it talks to are real servers on 127.0.0.1.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const cli = join(root, 'packages', 'cli')
export const BIN = join(cli, 'dist', 'bin.js')

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? newestSource(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
    ),
  )
}

/** Builds the CLI (and the core it imports) unless `dist/bin.js` is newer than every source file. */
export function buildCli(): void {
  const sources = Math.max(
    newestSource(join(cli, 'src')),
    newestSource(join(root, 'packages', 'core', 'src')),
  )
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= sources) return
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--build', cli], {
    cwd: root,
    stdio: 'inherit',
  })
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `tokenguard ...args` with `input` on standard input (closed at once when undefined). */
export function runCli(args: readonly string[], input?: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  delete env.NODE_OPTIONS // Jest's --experimental-vm-modules is not the user's
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin.end(input)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A compact JWS with the given header and claims and a junk signature (for `inspect`, which verifies nothing). */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode(header)}.${encode(payload)}.${Buffer.from('not a signature').toString('base64url')}`
}

/** Asserts-friendly: true when the output holds the token or its signature (it never should). */
export function leaks(run: CliRun, token: string): boolean {
  const signature = token.split('.')[2] ?? token
  const all = run.stdout + run.stderr
  return all.includes(token) || (signature.length > 8 && all.includes(signature))
}
