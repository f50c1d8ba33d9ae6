import { ConfigError } from './errors.js'

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

const NO_HOSTS: ReadonlySet<string> = new Set()

/**
 * True for `https:` URLs, for `http:` on a loopback host (development and tests), and for `http:` on a
 * host listed in `allowHttpHosts` (its `host[:port]`, matched exactly).
 */
export function isAllowedKeyUrl(url: URL, allowHttpHosts: ReadonlySet<string> = NO_HOSTS): boolean {
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && (LOOPBACK_HOSTS.test(url.hostname) || allowHttpHosts.has(url.host))
}

/** Parses a configured URL, throwing a `ConfigError` naming `option` unless it is allowed. */
export function parseKeyUrl(
  value: unknown,
  option: string,
  allowHttpHosts: ReadonlySet<string> = NO_HOSTS,
): URL {
  if (typeof value !== 'string') throw new ConfigError(option, 'must be a URL string')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(option, 'must be an absolute URL')
  }
  if (!isAllowedKeyUrl(url, allowHttpHosts))
    throw new ConfigError(
      option,
      'must use https: (http: only for localhost, 127.0.0.1 and hosts listed in "allowHttpHosts")',
    )
  if (url.username || url.password) throw new ConfigError(option, 'must not contain credentials')
  return url
}

/**
 * Checks `allowHttpHosts` at start-up: each entry a bare `host` or `host:port` exactly as a URL's `host`
 * reads (lower case, no default port `:80`), never a scheme, a path, a wildcard or credentials.
 */
export function resolveAllowHttpHosts(value: unknown): ReadonlySet<string> {
  if (value === undefined) return NO_HOSTS
  if (!Array.isArray(value))
    throw new ConfigError('allowHttpHosts', 'must be an array of "host[:port]" strings')
  const hosts = new Set<string>()
  value.forEach((entry: unknown, index) => {
    const option = `allowHttpHosts[${index}]`
    if (typeof entry !== 'string' || entry === '') throw new ConfigError(option, 'must be a non-empty string')
    let host: string | undefined
    try {
      const url = new URL(`http://${entry}`)
      if (!url.username && !url.password && url.pathname === '/' && !url.search && !url.hash) host = url.host
    } catch {
      // Not a host: reported below.
    }
    // Compared with the parsed form, so `http://x`, `x/path`, `*.x`, `x:80` or `user@x` are all refused.
    if (host === undefined || host !== entry.toLowerCase() || /[/?#@*\\]/.test(entry))
      throw new ConfigError(
        option,
        'must be a bare "host" or "host:port" (no scheme, path, wildcard or default port)',
      )
    hosts.add(host)
  })
  return hosts
}

/** Characters a query or fragment would bring in: refused, the identifier is compared as a string. */
const URL_EXTRAS = /[?#]/

/** Parses an http(s) URL option, or throws a `ConfigError` naming it. */
export function parseHttpUrl(value: unknown, option: string): URL {
  let url: URL | undefined
  try {
    url = typeof value === 'string' ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new ConfigError(option, 'must be an absolute http(s) URL such as "https://api.example.com"')
  if (url.username !== '' || url.password !== '' || URL_EXTRAS.test(value as string))
    throw new ConfigError(option, 'must not hold credentials, a query or a fragment')
  return url
}
