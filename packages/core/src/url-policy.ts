import { ConfigError } from './errors.js'

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** True for `https:` URLs, and for `http:` on a loopback host (development and tests). */
export function isAllowedKeyUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname)
}

/** Parses a configured URL, throwing a `ConfigError` naming `option` unless it is allowed. */
export function parseKeyUrl(value: unknown, option: string): URL {
  if (typeof value !== 'string') throw new ConfigError(option, 'must be a URL string')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(option, 'must be an absolute URL')
  }
  if (!isAllowedKeyUrl(url))
    throw new ConfigError(option, 'must use https: (http: only for localhost and 127.0.0.1)')
  if (url.username || url.password) throw new ConfigError(option, 'must not contain credentials')
  return url
}
