// Type-checks every ```ts / ```typescript block of the documentation (README.md, packages/*/README.md,
// examples/*/README.md, docs/*.md), so that an example a user copies compiles against the current sources.
//
// Each block becomes its own ES module, `<ROOT>/.snippets/<file>-<line>.ts`, held in memory (never written),
// so that bare imports (`express`, `koa`, …) resolve from the repository's node_modules. `@tokenguard/*` maps
// to packages/*/src/index.ts, as in tsconfig.test.json, with the strict settings of tsconfig.base.json.
//
// A block may use a few free names without declaring them (`issuer`, `app`, `logger`, …): a per-block prelude
// declares, before the block, those of PRELUDE that the block neither declares nor imports itself. `app` and
// `router` take the framework the block imports, else the one its file is about, else Express.
//
// A block that is deliberately partial (a fragment of a larger file, a shell session written as TypeScript)
// opts out with `<!-- snippet: skip (why) -->` right before its fence (blank lines between are allowed).
//
// Usage: node scripts/check-snippets.js [--print]   (--print shows each generated module)
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const SNIPPETS = join(ROOT, '.snippets')
const FENCE = /^(\s*)```(ts|typescript)\s*$/
const SKIP = /<!--\s*snippet:\s*skip\b[^>]*-->/
/**
 * Files still being written by someone else: their failures are printed as warnings and do not fail the
 * check. Remove an entry as soon as its file is final; never add a finished file here.
 */
/** Files whose failing blocks only warn, with why (none today: every page is checked strictly). */
const PENDING = new Map()

/** Free names a block may use without declaring them, and their types. `%FW%` is the block's framework. */
const PRELUDE = {
  issuer: 'string',
  audience: 'string',
  token: 'string',
  compactJwt: 'string',
  jti: 'string',
  exp: 'number',
  iss: 'string',
  logger: 'Record<"info" | "warn" | "error", (fields: object, message?: string) => void>', // pino-like
  request: "import('node:http').IncomingMessage",
  verifier: "import('@tokenguard/core').Verifier",
  createVerifier: "typeof import('@tokenguard/core').createVerifier",
  isAuthError: "typeof import('@tokenguard/core').isAuthError",
  jwtAuth: "typeof import('@tokenguard/%FW%').jwtAuth",
  app: '%APP%',
  router: "import('@koa/router').default",
}
/** Declarations of the CORS packages the READMEs show, which the repository does not install. */
const SHIMS = `
declare module 'cors' {
  export default function cors(options?: object): import('express').RequestHandler
}
declare module '@koa/cors' {
  export default function cors(options?: object): import('koa').Middleware
}
declare module '@fastify/cors' {
  const cors: import('fastify').FastifyPluginAsync<Record<string, unknown>>
  export default cors
}
`
const APP = {
  express: "import('express').Express",
  koa: "import('koa')<import('koa').DefaultState, import('koa').DefaultContext>",
  fastify: "import('fastify').FastifyInstance",
}

/** The Markdown files whose blocks are checked. */
async function markdownFiles() {
  const files = ['README.md']
  for (const dir of ['packages', 'examples']) {
    for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const readme = join(dir, entry.name, 'README.md')
      if ((await readFile(join(ROOT, readme), 'utf8').catch(() => null)) !== null) files.push(readme)
    }
  }
  for (const entry of await readdir(join(ROOT, 'docs')))
    if (entry.endsWith('.md')) files.push(`docs/${entry}`)
  return files
}

/** Extracts the TypeScript blocks of one Markdown file: `{ file, line, code, skipped }`. */
function extractBlocks(file, text) {
  const lines = text.split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i])
    if (!open) continue
    const indent = open[1].length
    const body = []
    let j = i + 1
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(indent))
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const skipped = before >= 0 && SKIP.test(lines[before])
    blocks.push({ file, line: i + 1, code: body.join('\n'), skipped })
    i = j
  }
  return blocks
}

/** The framework a block is about: its imports, else a first-line comment (`// Koa: …`), else its path. */
function frameworkOf(block) {
  for (const name of ['koa', 'fastify', 'express']) {
    if (new RegExp(`from '(@tokenguard/)?${name}'`).test(block.code)) return name
  }
  const lead = /^\/\/\s*(Express|Koa|Fastify)\b/.exec(block.code)
  if (lead) return lead[1].toLowerCase()
  for (const name of ['koa', 'fastify']) if (block.file.includes(`/${name}/`)) return name
  return 'express'
}

/** Names declared at the top level of a block (imports, variables, functions, classes). */
function declaredNames(code) {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS)
  const names = new Set()
  const bindings = (name) => {
    if (ts.isIdentifier(name)) names.add(name.text)
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindings(element.name)
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause
      if (clause.name) names.add(clause.name.text)
      const named = clause.namedBindings
      if (named && ts.isNamespaceImport(named)) names.add(named.name.text)
      if (named && ts.isNamedImports(named))
        for (const element of named.elements) names.add(element.name.text)
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bindings(declaration.name)
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) &&
      statement.name !== undefined
    ) {
      names.add(statement.name.text)
    }
  }
  return names
}

/** The module checked for one block: its prelude, the block, and `export {}` to make it a module. */
function moduleFor(block) {
  const declared = declaredNames(block.code)
  const prelude = []
  for (const [name, type] of Object.entries(PRELUDE)) {
    if (declared.has(name) || !new RegExp(`\\b${name}\\b`).test(block.code)) continue
    const framework = frameworkOf(block)
    prelude.push(`declare const ${name}: ${type.replace('%APP%', APP[framework]).replace('%FW%', framework)}`)
  }
  // The prelude fills line 1, the block starts on its Markdown line: errors point into the Markdown file.
  return `${prelude.join('; ')}${'\n'.repeat(block.line)}${block.code}\nexport {}\n`
}

function compilerOptions() {
  const base = ts.readConfigFile(join(ROOT, 'tsconfig.base.json'), ts.sys.readFile)
  const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, ROOT)
  return {
    ...options,
    noEmit: true,
    composite: false,
    declaration: false,
    incremental: false,
    noUnusedLocals: false,
    // NestJS blocks use its (legacy) decorators, parameter decorators included; inert for the others.
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    paths: { '@tokenguard/*': [join(ROOT, 'packages/*/src/index.ts')] },
  }
}

const started = performance.now()
const blocks = []
for (const file of await markdownFiles())
  blocks.push(...extractBlocks(file, await readFile(join(ROOT, file), 'utf8')))
const checked = blocks.filter((block) => !block.skipped)
const virtual = new Map()
for (const block of checked) {
  const name = `${block.file.replace(/[/.]/g, '_')}-${block.line}.ts`
  block.path = join(SNIPPETS, name)
  virtual.set(block.path, moduleFor(block))
  if (process.argv.includes('--print')) console.log(`// ${block.path}\n${virtual.get(block.path)}`)
}

virtual.set(join(SNIPPETS, 'shims.d.ts'), SHIMS)
const options = compilerOptions()
const host = ts.createCompilerHost(options)
const { fileExists, readFile: hostReadFile, getSourceFile } = host
host.fileExists = (path) => virtual.has(path) || fileExists.call(host, path)
host.readFile = (path) => virtual.get(path) ?? hostReadFile.call(host, path)
host.getSourceFile = (path, language, ...rest) =>
  virtual.has(path)
    ? ts.createSourceFile(path, virtual.get(path), language)
    : getSourceFile.call(host, path, language, ...rest)
const program = ts.createProgram([...virtual.keys()], options, host)

let failed = 0
let pending = 0
for (const block of checked) {
  const source = program.getSourceFile(block.path)
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
  if (diagnostics.length === 0) continue
  const warning = PENDING.has(block.file)
  if (warning) pending++
  else failed++
  for (const diagnostic of diagnostics) {
    const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')
    const where = `${block.file}:${line + 1}`
    console.error(
      `${warning ? `warning (${PENDING.get(block.file)}): ` : ''}${where}: TS${diagnostic.code}: ${message}`,
    )
  }
}
if (pending > 0) console.error(`check-snippets: ${pending} failing block(s) in pending files, not counted`)
const seconds = ((performance.now() - started) / 1000).toFixed(1)
const skipped = blocks.length - checked.length
const summary = `${checked.length} TypeScript blocks checked (${skipped} skipped), ${seconds} s`
if (failed > 0) {
  console.error(`check-snippets: ${failed} of ${summary}: failed`)
  process.exitCode = 1
} else {
  console.log(`check-snippets: ${summary}`)
}
