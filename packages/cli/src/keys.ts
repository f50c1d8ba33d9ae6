import { createVerifier } from '@tokenguard/core'
import { EXIT_CODES, UsageError, type ExitCode } from './exit-codes.js'
import { outcome, recordFetches } from './fetch-events.js'
import { fetchDocument, maxAgeOf, type FetchedDocument } from './fetch-document.js'
import { reportKeys, type KeyReport } from './key-report.js'
import { listOf, numberOf, parseOptions } from './parse-options.js'
import type { Io } from './read-token.js'
import { display, safe, table, toJson } from './text.js'

export const KEYS_HELP = `Usage: tokenguard keys (--issuer <url> | --jwks-uri <url>) [options]

Checks an issuer's discovery document and JWK Set: fetch timings, cache headers (Cache-Control, Age,
Expires, ETag) and how long the core would cache the keys, each key (kid, kty, alg, use, size or curve)
and why the core would skip any of them. Then loads the keys with the core itself, as a verifier would.

Options:
  --issuer <url>              the issuer: its jwks_uri is found by discovery
  --jwks-uri <url>            the JWK Set URL (discovery is skipped)
  --allow-http-hosts <list>   host[:port] reachable over plain http (development only; loopback is allowed)
  --timeout <ms>              per fetch (default 5000, as jwks.timeout)
  --json                      one JSON object on standard output
  -h, --help

Exit codes: 0 at least one usable key, 1 no usable key, 2 usage error, 3 issuer or keys unreachable.
Example: npx @tokenguard/cli keys --issuer https://idp.example.com/`

const OPTIONS = {
  issuer: { type: 'string' },
  'jwks-uri': { type: 'string' },
  'allow-http-hosts': { type: 'string', multiple: true },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The core's cache bounds, in seconds: `minCacheAge`, `maxCacheAge`, `cacheMaxAge` defaults. */
const MIN_CACHE_AGE = 60
const MAX_CACHE_AGE = 86_400
const DEFAULT_CACHE_AGE = 600

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** Metadata URLs in the core's order: OpenID Connect Discovery, then RFC 8414. */
function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ]
}

interface Discovery {
  attempts: FetchedDocument[]
  jwksUri?: string
  error?: string
}

/** Discovery with the core's rules: the document's issuer must match, its jwks_uri must be https (or allowed http). */
async function discover(
  issuer: string,
  timeout: number,
  allowHttpHosts: readonly string[],
): Promise<Discovery> {
  const attempts: FetchedDocument[] = []
  let error = 'no metadata URL answered'
  for (const url of metadataUrls(issuer)) {
    const document = await fetchDocument(url, timeout)
    attempts.push(document)
    if (document.error !== undefined) {
      error = `${url}: ${document.error}`
      continue
    }
    const metadata = (
      typeof document.body === 'object' && document.body !== null ? document.body : {}
    ) as Record<string, unknown>
    if (metadata.issuer !== issuer)
      error = `${url}: metadata issuer ${display(metadata.issuer)} does not match the configured issuer`
    else if (typeof metadata.jwks_uri !== 'string') error = `${url}: metadata has no jwks_uri`
    else {
      let jwks: URL
      try {
        jwks = new URL(metadata.jwks_uri)
      } catch {
        error = `${url}: metadata jwks_uri is not a URL`
        continue
      }
      const allowed =
        jwks.protocol === 'https:' ||
        (jwks.protocol === 'http:' &&
          (LOOPBACK_HOSTS.test(jwks.hostname) || allowHttpHosts.includes(jwks.host)))
      if (allowed) return { attempts, jwksUri: jwks.href }
      error = `${url}: metadata jwks_uri is not https (nor a host in --allow-http-hosts)`
    }
  }
  return { attempts, error }
}

function cacheLifetime(cacheControl: string | undefined): string {
  const maxAge = maxAgeOf(cacheControl)
  if (maxAge === undefined)
    return `no max-age: the core caches the keys for cacheMaxAge (${DEFAULT_CACHE_AGE} s)`
  const seconds = Math.min(MAX_CACHE_AGE, Math.max(MIN_CACHE_AGE, maxAge))
  const bounded =
    seconds === maxAge ? '' : ` (max-age ${maxAge} s, bounded to [${MIN_CACHE_AGE} s, ${MAX_CACHE_AGE} s])`
  return `the core caches the keys for ${seconds} s${bounded}`
}

function documentLine(document: FetchedDocument): string {
  const size = document.bytes === undefined ? '' : `, ${document.bytes} bytes`
  const result = document.error === undefined ? '' : `: ${document.error}`
  return `${safe(document.url)}  ${outcome(document.status, document.durationMs)}${size}${safe(result)}`
}

function render(report: KeysReport): string {
  const lines: string[] = []
  if (report.discovery) {
    lines.push('Discovery')
    for (const attempt of report.discovery.attempts) lines.push(`  ${documentLine(attempt)}`)
    lines.push(
      report.discovery.jwksUri
        ? `  jwks_uri ${safe(report.discovery.jwksUri)}`
        : `  FAILED: ${safe(report.discovery.error ?? '')}`,
    )
  }
  if (report.jwks) {
    lines.push('', 'JWK Set', `  ${documentLine(report.jwks)}`)
    const headers = report.jwks.headers
    const names = ['cache-control', 'age', 'expires', 'etag', 'last-modified'] as const
    lines.push(
      table(
        names.map((name) => [name, headers[name] === undefined ? '(none)' : safe(headers[name])]),
        '    ',
      ),
    )
    if (report.jwks.error === undefined) lines.push(`  ${cacheLifetime(headers['cache-control'])}`)
  }
  if (report.keys) {
    const usable = report.keys.filter((key) => key.usable).length
    lines.push('', `Keys: ${usable} usable, ${report.keys.length - usable} skipped`)
    const rows = report.keys.map((key) => [
      key.kid,
      key.kty,
      key.alg,
      key.use,
      key.size,
      key.skipped ? `skipped: ${key.skipped}` : 'usable',
    ])
    lines.push(table([['kid', 'kty', 'alg', 'use', 'size', 'status'], ...rows]))
  }
  if (report.core) lines.push('', `Core verifier: ${safe(report.core)}`)
  lines.push('', `Result: ${report.result}`)
  return lines.join('\n')
}

interface KeysReport {
  discovery?: Discovery
  jwks?: FetchedDocument
  keys?: KeyReport[]
  core?: string
  result: string
  exitCode: ExitCode
}

/** The core's own load of the keys (`verifier.ready()`), as one line. */
async function coreLoad(
  issuer: string | undefined,
  jwksUri: string | undefined,
  allowHttpHosts: string[] | undefined,
  timeout: number,
): Promise<string> {
  const verifier = createVerifier({
    issuer: issuer ?? null,
    audience: null,
    ...(jwksUri ? { jwksUri } : {}),
    ...(allowHttpHosts ? { allowHttpHosts } : {}),
    jwks: { timeout },
  })
  const events = recordFetches()
  try {
    await verifier.ready()
    const fetch = events.jwks.at(-1)
    return fetch
      ? `keys loaded: ${fetch.keyCount} usable, ${fetch.skippedKeys} skipped (${outcome(fetch.status, fetch.durationMs)})`
      : 'keys loaded'
  } catch (error) {
    return `not ready: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    events.stop()
  }
}

/** `tokenguard keys`: discovery and JWK Set health. */
export async function runKeys(argv: readonly string[], io: Io): Promise<ExitCode> {
  const { values } = parseOptions(argv, OPTIONS, 0)
  if (values.help) {
    io.stdout.write(`${KEYS_HELP}\n`)
    return EXIT_CODES.valid
  }
  const issuer = values.issuer
  let jwksUri = values['jwks-uri']
  if (issuer === undefined && jwksUri === undefined) throw new UsageError('give --issuer or --jwks-uri')
  const allowHttpHosts = listOf(values['allow-http-hosts'])
  const timeout = numberOf(values.timeout, 'timeout') ?? 5000
  // The core checks the URLs (https, loopback, allowHttpHosts) exactly as a verifier would: a ConfigError here is a usage error.
  createVerifier({
    issuer: issuer ?? null,
    audience: null,
    ...(jwksUri ? { jwksUri } : {}),
    ...(allowHttpHosts ? { allowHttpHosts } : {}),
    jwks: { timeout },
  })

  const report: KeysReport = { result: '', exitCode: EXIT_CODES.valid }
  if (jwksUri === undefined && issuer !== undefined) {
    report.discovery = await discover(issuer, timeout, allowHttpHosts ?? [])
    jwksUri = report.discovery.jwksUri
  }
  if (jwksUri !== undefined) {
    report.jwks = await fetchDocument(jwksUri, timeout)
    const keys = (report.jwks.body as { keys?: unknown } | undefined)?.keys
    if (report.jwks.error === undefined && !Array.isArray(keys))
      report.jwks.error = 'not a JWK Set: no "keys" array'
    if (Array.isArray(keys)) report.keys = reportKeys(keys)
  }
  // The documents themselves are not part of the report: the keys are summarised above.
  for (const document of [...(report.discovery?.attempts ?? []), ...(report.jwks ? [report.jwks] : [])])
    delete document.body
  report.core = await coreLoad(issuer, values['jwks-uri'], allowHttpHosts, timeout)

  if (report.discovery?.error !== undefined || report.jwks?.error !== undefined) {
    report.exitCode = EXIT_CODES.unreachable
    report.result = 'UNREACHABLE: the keys cannot be loaded (exit 3)'
  } else if (!report.keys?.some((key) => key.usable)) {
    report.exitCode = EXIT_CODES.invalid
    report.result = 'NO USABLE KEY: every token would be refused (exit 1)'
  } else {
    const skipped = report.keys.filter((key) => !key.usable).length
    report.result = `OK: ${report.keys.length - skipped} usable key(s)${skipped ? `, ${skipped} skipped` : ''} (exit 0)`
  }
  io.stdout.write(values.json ? `${toJson(report)}\n` : `${render(report)}\n`)
  return report.exitCode
}
