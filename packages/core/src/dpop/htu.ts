/**
 * The `htu` of a DPoP proof is compared to the request's URI after RFC 3986 §6.2.2 normalisation (RFC 9449
 * §4.3 point 9): scheme and host case, default port, dot segments, and percent-encoding (hex digits upper
 * case, unreserved characters decoded). Query and fragment are ignored.
 */

const MAX_HTU_LENGTH = 4096
const PERCENT_ENCODED = /%([0-9a-fA-F]{2})/g
const UNRESERVED = /[A-Za-z0-9\-._~]/
/** A `Host` value: a name, IPv4 or bracketed IPv6 address, and an optional port. Nothing else may shape the URI. */
/** A `.` or `..` path segment, raw or percent-encoded (`%2e`, any case), or a backslash that parsers read as `/`. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\\|%5c/i
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/

function normalizePercentEncoding(path: string): string {
  return path.replace(PERCENT_ENCODED, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

/** The normalised form of an absolute http(s) URI without query and fragment, or `undefined` if it is not one. */
export function normalizeHtu(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_HTU_LENGTH) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  // Credentials have no place in a request URI (RFC 9110 §4.2.4).
  if (url.username !== '' || url.password !== '') return undefined
  // WHATWG parsing already lower-cases scheme and host, drops the default port and resolves dot segments.
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`
}

/** The request's URL as the client sent it, from the adapter's view of the framework. */
export interface RequestUrl {
  /** `http` or `https`, as the framework sees it (trust-proxy settings included). */
  readonly protocol: string
  /** `Host` (with port), as the framework sees it (trust-proxy settings included). */
  readonly host: string
  /** The original request target: path and query, before any mount point was stripped. */
  readonly path: string
}

/**
 * The URI a proof for this request must name: `publicOrigin` (which may hold a path prefix that a proxy
 * strips) plus the path when configured, else the framework's protocol and host plus the path.
 */
export function requestHtu(publicOrigin: string | undefined, url: RequestUrl): string | undefined {
  const query = url.path.indexOf('?')
  const path = query === -1 ? url.path : url.path.slice(0, query)
  // A request target that is not a path (`*`, an absolute form) matches no proof.
  if (!path.startsWith('/')) return undefined
  // Dot segments would be resolved by the URL parser, climbing out of a `publicOrigin` prefix or naming a
  // resource the app's own router never resolves to: such a request matches no proof.
  if (DOT_SEGMENT.test(path)) return undefined
  if (publicOrigin === undefined && !HOST.test(url.host)) return undefined
  const base = publicOrigin ?? `${url.protocol}://${url.host}`
  const htu = normalizeHtu(`${base}${path}`)
  // Belt and braces: whatever the path, the URI stays under the configured origin and prefix.
  if (
    htu === undefined ||
    (publicOrigin !== undefined && !htu.startsWith(`${normalizeHtu(publicOrigin)?.replace(/\/$/, '')}/`))
  )
    return undefined
  return htu
}
