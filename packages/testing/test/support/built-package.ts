import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

/** Builds `packages/<name>` (and what it references) unless `dist` is already there, as after `npm run build`. */
export async function ensureBuilt(name: string): Promise<void> {
  if (existsSync(join(ROOT, 'packages', name, 'dist', 'index.js'))) return
  await run(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '--build', `packages/${name}`],
    {
      cwd: ROOT,
    },
  )
}

/**
 * Loads the built `@tokenguard/<name>` in a fresh Node process, the way a user's app would, and returns what
 * `probe` printed. `probe` is the body of an async function that may use `pkg` (what `require()` or
 * `import()` returned) and sets `result`.
 */
export async function loadBuilt(format: 'cjs' | 'esm', name: string, probe: string): Promise<unknown> {
  const specifier = `@tokenguard/${name}`
  const load =
    format === 'cjs' ? `require(${JSON.stringify(specifier)})` : `await import(${JSON.stringify(specifier)})`
  // An async function, so probes may await in CommonJS as well.
  const source = `(async () => { const pkg = ${load}; let result; ${probe}; console.log(JSON.stringify(result)) })()`
  const args =
    format === 'cjs' ? ['--input-type=commonjs', '-e', source] : ['--input-type=module', '-e', source]
  // Run from the repository root so the package resolves through node_modules like an installed dependency.
  const { stdout } = await run(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  return JSON.parse(stdout.trim().split('\n').pop() as string)
}
