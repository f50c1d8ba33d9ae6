// Checks what `npm publish` would upload, from `npm pack` tarballs of every published package:
//   1. contents and metadata: dist (JavaScript and declarations only), README, LICENSE; no build info, no
//      source maps; repository, homepage, bugs and keywords; README links that work on the registry page;
//   2. publint, strict (suggestions fail too);
//   3. Are the Types Wrong? with its `esm-only` profile: the packages are ESM-only on purpose (a dual build
//      would bring two `AuthError` classes and split type augmentation), so the node10 and node16-from-CJS
//      resolutions are not checked; Node ≥ 20.19 `require(esm)` is covered by the fixture and package tests;
//   4. test/fixtures/cjs-jest, a CommonJS TypeScript project tested with Jest and ts-jest (the setup the
//      testing package's README documents), installs the tarballs, type-checks and runs its tests.
//   5. the packed `tokenguard` binary (@tokenguard/cli), installed from the tarballs, runs --help and inspect.
// Needs no network but the npm registry (the fixture's own dependencies). `--no-fixture` skips steps 4 and 5.
import { Buffer } from 'node:buffer'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const PACKAGES = ['core', 'testing', 'express', 'koa', 'fastify', 'cli', 'redis', 'nestjs', 'mcp']
const FIXTURE = join(ROOT, 'test/fixtures/cjs-jest')
// What the fixture installs; koa and fastify are covered by steps 1–3 and their own package tests.
const FIXTURE_PACKAGES = ['core', 'testing', 'express']
const REPOSITORY = 'git+https://github.com/tokenguard/tokenguard.git'
const ALLOWED_FILE = /^(package\.json|README\.md|LICENSE|dist\/[\w/.-]+\.(js|d\.ts))$/
// A Markdown link or image whose target is neither absolute nor an anchor on the same page.
const RELATIVE_LINK = /\]\((?!https?:\/\/|#)([^)\s]*)/g

const exec = promisify(execFile)
const failures = []

/** Runs a command; resolves with its output, and with `error` set when it exits with a non-zero code. */
async function run(command, args, options = {}) {
  const env = { ...process.env, FORCE_COLOR: '0' }
  delete env.NODE_OPTIONS // the root Jest run's --experimental-vm-modules is not for these processes
  try {
    const { stdout, stderr } = await exec(command, args, { maxBuffer: 64 << 20, ...options, env })
    return { stdout, output: stdout + stderr }
  } catch (error) {
    return { error, stdout: '', output: `${error.stdout ?? ''}${error.stderr ?? ''}` || String(error) }
  }
}

/** The path of a command installed in `dir/node_modules`, to run with this Node (no shell, no shim). */
async function bin(dir, pkg, name) {
  const manifest = JSON.parse(await readFile(join(dir, 'node_modules', pkg, 'package.json'), 'utf8'))
  return join(dir, 'node_modules', pkg, typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name])
}

/** Runs `work(fail)`, prints one status line, and tells whether the step passed. */
async function step(title, work) {
  const started = Date.now()
  let failed = false
  await work((what, message) => {
    failed = true
    failures.push(`${what}: ${message}`)
  })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  console.log(`${failed ? 'FAILED' : 'ok    '} ${title} (${seconds} s)`)
  return !failed
}

function checkContents(fail, name, manifest, files, readme) {
  const label = `@tokenguard/${name}`
  for (const file of files) if (!ALLOWED_FILE.test(file)) fail(label, `ships ${file}`)
  for (const file of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(file)) fail(label, `does not ship ${file}`)
  }
  if (manifest.license !== 'MIT') fail(label, 'license is not MIT')
  if (manifest.repository?.url !== REPOSITORY || manifest.repository?.directory !== `packages/${name}`) {
    fail(label, `repository must be { url: ${REPOSITORY}, directory: packages/${name} }`)
  }
  if (!manifest.homepage?.startsWith('https://')) fail(label, 'no homepage')
  if (!manifest.bugs?.url?.startsWith('https://')) fail(label, 'no bugs.url')
  if (!(manifest.keywords?.length > 0)) fail(label, 'no keywords')
  for (const [, target] of readme.matchAll(RELATIVE_LINK)) {
    fail(label, `README link "${target}" is relative and breaks on the registry page`)
  }
}

/** Builds and packs every package into `dir`; returns the tarballs by package name. */
async function pack(dir) {
  const tarballs = new Map()
  await step('build, pack, check contents and metadata', async (fail) => {
    const tsc = await run(process.execPath, [await bin(ROOT, 'typescript', 'tsc'), '--build'], { cwd: ROOT })
    if (tsc.error) return fail('tsc --build', tsc.output)
    const workspaces = PACKAGES.flatMap((name) => ['--workspace', `packages/${name}`])
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir, ...workspaces], {
      cwd: ROOT,
    })
    if (packed.error) return fail('npm pack', packed.output)
    for (const { name: fullName, filename, files } of JSON.parse(packed.stdout)) {
      const name = fullName.replace('@tokenguard/', '')
      const manifest = JSON.parse(await readFile(join(ROOT, 'packages', name, 'package.json'), 'utf8'))
      const readme = await readFile(join(ROOT, 'packages', name, 'README.md'), 'utf8')
      const paths = files.map((file) => file.path)
      checkContents(fail, name, manifest, paths, readme)
      tarballs.set(name, join(dir, filename))
    }
  })
  return tarballs
}

async function lint(tarballs) {
  await step('publint --strict', async (fail) => {
    for (const [name, tarball] of tarballs) {
      const data = await readFile(tarball)
      const { messages, pkg } = await publint({
        pack: { tarball: new Uint8Array(data).buffer },
        strict: true,
      })
      for (const message of messages) {
        fail(`@tokenguard/${name}`, formatMessage(message, pkg, { color: false }))
      }
    }
  })
  await step('attw --profile esm-only', async (fail) => {
    const attw = await bin(ROOT, '@arethetypeswrong/cli', 'attw')
    // --no-definitely-typed: the packages ship their own types, and this must not need the network.
    const args = ['--profile', 'esm-only', '--no-definitely-typed', '--format', 'table-flipped', '--no-emoji']
    const check = async ([name, tarball]) => ({
      name,
      ...(await run(process.execPath, [attw, tarball, ...args])),
    })
    for (const { name, error, output } of await Promise.all([...tarballs].map(check))) {
      if (error) fail(`@tokenguard/${name}`, output)
    }
  })
}

async function fixture(tarballs) {
  const installed = await step('fixture: install the tarballs', async (fail) => {
    // --no-save: the fixture's lockfile pins its own dependencies; the tarballs change with every build.
    const files = FIXTURE_PACKAGES.map((name) => tarballs.get(name))
    const args = ['install', '--no-save', '--no-audit', '--no-fund', '--no-update-notifier', ...files]
    const install = await run('npm', args, { cwd: FIXTURE })
    if (install.error) return fail('fixture npm install', install.output)
    // The adapters' dependency on the core must be the packed core, not a copy from the registry.
    for (const name of FIXTURE_PACKAGES) {
      const nested = join(FIXTURE, 'node_modules/@tokenguard', name, 'node_modules/@tokenguard')
      if (await stat(nested).catch(() => false)) fail('fixture npm install', `installed ${nested}`)
    }
  })
  if (!installed) return
  await step('fixture: tsc (module nodenext passes, node16 fails with TS1479)', async (fail) => {
    const tsc = await bin(FIXTURE, 'typescript', 'tsc')
    const [nodenext, node16] = await Promise.all([
      run(process.execPath, [tsc, '--noEmit', '-p', '.'], { cwd: FIXTURE }),
      run(process.execPath, [tsc, '--noEmit', '-p', '.', '--module', 'node16'], { cwd: FIXTURE }),
    ])
    if (nodenext.error) fail('fixture tsc (module nodenext)', nodenext.output)
    // As the README says: TypeScript's node16 mode predates require(esm) and refuses the import.
    if (!node16.error || !node16.output.includes('TS1479')) {
      fail('fixture tsc (module node16)', `expected TS1479, got:\n${node16.output}`)
    }
  })
  await step('fixture: jest with ts-jest, CommonJS', async (fail) => {
    // The README must give the configuration that is tested here.
    const config = await readFile(join(FIXTURE, 'jest.config.js'), 'utf8')
    const readme = await readFile(join(ROOT, 'packages/testing/README.md'), 'utf8')
    const lines = config.split('\n').filter((text) => /^\s+('\^|transformIgnorePatterns)/.test(text))
    const missing = lines.filter((line) => !readme.includes(line))
    if (lines.length !== 2 || missing.length > 0) {
      fail('packages/testing/README.md', `lacks the fixture's Jest configuration:\n${missing.join('\n')}`)
    }
    const result = await run(process.execPath, [await bin(FIXTURE, 'jest', 'jest'), '--ci'], { cwd: FIXTURE })
    if (result.error) fail('fixture jest', result.output)
  })
}

/** The packed `tokenguard` binary, installed as a user would (`npx @tokenguard/cli`): help and an inspect. */
async function cliSmoke(tarballs) {
  await step('cli: the packed tokenguard binary runs', async (fail) => {
    const dir = await mkdtemp(join(tmpdir(), 'tokenguard-cli-'))
    try {
      const files = ['core', 'cli'].map((name) => tarballs.get(name))
      const args = [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--no-package-lock',
      ]
      const install = await run('npm', [...args, ...files], { cwd: dir })
      if (install.error) return fail('cli npm install', install.output)
      const tokenguard = await bin(dir, '@tokenguard/cli', 'tokenguard')
      const help = await run(process.execPath, [tokenguard, '--help'], { cwd: dir })
      if (help.error || !help.stdout.includes('Exit codes: 0 valid')) fail('tokenguard --help', help.output)
      const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
      const sample = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'packed-cli' })}.c2ln`
      const inspect = await run(process.execPath, [tokenguard, 'inspect', '--json', sample], { cwd: dir })
      if (inspect.error || JSON.parse(inspect.stdout || '{}').payload?.sub !== 'packed-cli') {
        fail('tokenguard inspect', inspect.output)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

const dir = await mkdtemp(join(tmpdir(), 'tokenguard-packages-'))
try {
  const tarballs = await pack(dir)
  if (tarballs.size === PACKAGES.length) {
    // Independent, and the fixture mostly waits on npm: run them side by side.
    const fixtures =
      process.argv.includes('--no-fixture') || Promise.all([fixture(tarballs), cliSmoke(tarballs)])
    await Promise.all([lint(tarballs), fixtures])
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
if (failures.length > 0) {
  console.error(`\n${failures.join('\n\n')}`)
  process.exitCode = 1
}
