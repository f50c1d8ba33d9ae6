import { AuthError } from './errors.js'

/** Request headers as Node (`req.headers`), Koa, Fastify or the Fetch API (`Headers`) present them. */
export type HeadersLike =
  Readonly<Record<string, string | string[] | undefined>> | { get(name: string): string | null }

/** Where tokens may come from besides the `Authorization` header. */
export interface ExtractTokenOptions {
  /** Node's `req.rawHeaders`: Node keeps only the first of repeated `Authorization` headers in `req.headers`. */
  rawHeaders?: readonly string[]
  /**
   * Also accept the token from this cookie. Default: off.
   * Security: cookies are sent by browsers automatically; protect such routes against CSRF.
   */
  cookie?: string
  /**
   * Also accept the token from this query parameter (RFC 6750 §2.3 uses `access_token`). Default: off.
   * Security: URLs end up in logs and browser history (RFC 6750 §5.3).
   */
  query?: string
  /** The request URL (path and query), needed for `query`. */
  url?: string
  /**
   * Also accept the token from this field of an `application/x-www-form-urlencoded` body (RFC 6750 §2.2
   * uses `access_token`). Default: off. Never read on `GET` or `HEAD`, nor from a body of another type.
   * Security: the body must have been parsed, with a size limit, by a body parser that ran before.
   */
  body?: string
  /** The request method, needed for `body`. */
  method?: string
  /** The parsed form body (field name → value, as `URLSearchParams`-like parsers give it), needed for `body`. */
  parsedBody?: unknown
  /** `realm` of the challenge in errors. */
  realm?: string
  /**
   * The scheme of the `Authorization` header: `'Bearer'` (default) or `'DPoP'` (RFC 9449 §7.1, for
   * callers that verify the request's proof). A header of another scheme carries no token.
   */
  scheme?: 'Bearer' | 'DPoP'
}

/** RFC 6750 §2.1: `Bearer` (any case), `1*SP`, then the `b64token`. */
const BEARER_CREDENTIALS = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i
const BEARER = /^bearer$/i
/** RFC 9449 §7.1: `DPoP`, `1*SP`, then the token (same `token68` syntax). */
const DPOP_CREDENTIALS = /^dpop +([A-Za-z0-9\-._~+/]+=*)$/i
const DPOP = /^dpop$/i

/** One header of any `HeadersLike`, `undefined` when absent. */
export function readHeader(headers: HeadersLike, name: string): string | string[] | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined
  }
  return (headers as Record<string, string | string[] | undefined>)[name]
}

/** A 400 whose reason says what was wrong with the request (never its values: they may hold tokens). */
function invalidRequest(realm: string | undefined, problem: string): AuthError {
  return new AuthError('invalid_request', {
    ...(realm === undefined ? {} : { realm }),
    reason: { message: problem, actual: problem },
  })
}

function single(
  value: string | string[] | undefined,
  realm: string | undefined,
  name: string,
): string | undefined {
  if (!Array.isArray(value)) return value
  if (value.length > 1) throw invalidRequest(realm, `the ${name} header is repeated`)
  return value[0]
}

function fromAuthorization(
  value: string | undefined,
  realm: string | undefined,
  dpop: boolean,
): string | undefined {
  if (value === undefined || value === '') return undefined
  const credentials = (dpop ? DPOP_CREDENTIALS : BEARER_CREDENTIALS).exec(value)
  if (credentials) return credentials[1]
  // Another scheme (Basic, …) is not ours: the request simply has no bearer credentials. A bearer
  // header that is not well formed is an invalid request.
  const scheme = value.split(/[ \t]/, 1)[0] as string
  if ((dpop ? DPOP : BEARER).test(scheme))
    throw invalidRequest(
      realm,
      `the Authorization header holds a ${dpop ? 'DPoP' : 'Bearer'} credential that is not well formed`,
    )
  return undefined
}

function fromCookie(
  cookieHeader: string | undefined,
  name: string,
  realm: string | undefined,
): string | undefined {
  if (!cookieHeader) return undefined
  const values = cookieHeader
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1))
  if (values.length > 1) throw invalidRequest(realm, `the cookie "${name}" is sent more than once`)
  return values[0] || undefined
}

function fromQuery(url: string | undefined, name: string, realm: string | undefined): string | undefined {
  if (!url) return undefined
  let values: string[]
  try {
    values = new URL(url, 'http://localhost').searchParams.getAll(name)
  } catch {
    // A request target no URL parser accepts is the client's fault, not a crash.
    throw invalidRequest(realm, 'the request target is not a valid URL')
  }
  if (values.length > 1) throw invalidRequest(realm, `the query parameter "${name}" is repeated`)
  return values[0] || undefined
}

/** RFC 6750 §2.2: the body may hold a token only in a request whose body has defined semantics. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD'])
const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded[ \t]*(?:;|$)/i

/** The request's own error: the body option is on, but no parser ran, so a token there would go unseen. */
export class UnparsedBodyError extends Error {
  constructor() {
    super(
      'tokenguard: the "body" option is set but this form request has no parsed body: register a ' +
        'urlencoded body parser (with a size limit) before jwtAuth',
    )
    this.name = new.target.name
  }
}

function fromBody(
  headers: HeadersLike,
  options: ExtractTokenOptions,
  name: string,
  realm: string | undefined,
): string | undefined {
  if (options.method === undefined || BODYLESS_METHODS.has(options.method.toUpperCase())) return undefined
  const contentType = single(readHeader(headers, 'content-type'), realm, 'Content-Type')
  if (contentType === undefined || !FORM_MEDIA_TYPE.test(contentType)) return undefined
  const body = options.parsedBody
  // Fail loudly: a 401 would hide that the token in the body was never looked at.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UnparsedBodyError()
  // Own property only: `__proto__` or `toString` must never resolve to something inherited.
  if (!Object.hasOwn(body, name)) return undefined
  let value = (body as Record<string, unknown>)[name]
  if (Array.isArray(value)) {
    if (value.length > 1) throw invalidRequest(realm, `the form field "${name}" is repeated`)
    value = value[0]
  }
  if (value === undefined || value === '') return undefined
  // `qs`-style parsers turn `access_token[a]=x` into an object: that is no token.
  if (typeof value !== 'string')
    throw invalidRequest(realm, `the form field "${name}" is not a single string`)
  return value
}

/** RFC 6750 §3.1: a token sent in more than one place is an invalid request. */
function onlyOne(found: string | undefined, other: string | undefined, realm: string | undefined) {
  if (other === undefined) return found
  if (found !== undefined)
    throw invalidRequest(realm, 'a token is sent in more than one place (RFC 6750 §3.1)')
  return other
}

/** How many times the header `name` (lower case) appears in Node's `rawHeaders`. */
export function countRawHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] as string
    // The length test first spares a lower-cased copy of every other header name.
    if (raw.length === name.length && raw.toLowerCase() === name) count++
  }
  return count
}

/**
 * Finds the bearer token of a request (RFC 6750 §2). Returns `undefined` when the request carries none
 * (the caller answers 401 with a bare challenge).
 *
 * @throws AuthError `invalid_request` (400) for a malformed `Authorization` header, a repeated
 * `Authorization` header, a repeated or non-string form field, or a token sent in more than one place
 * (RFC 6750 §3.1).
 * @throws UnparsedBodyError (a 500) when `body` is set and a form request carries no parsed body.
 * @example
 * ```ts
 * const token = extractToken(req.headers, { rawHeaders: req.rawHeaders })
 * ```
 */
export function extractToken(headers: HeadersLike, options: ExtractTokenOptions = {}): string | undefined {
  const { realm } = options
  if (options.rawHeaders && countRawHeader(options.rawHeaders, 'authorization') > 1)
    throw invalidRequest(realm, 'the Authorization header is repeated')
  let token = fromAuthorization(
    single(readHeader(headers, 'authorization'), realm, 'Authorization'),
    realm,
    options.scheme === 'DPoP',
  )
  if (options.cookie !== undefined) {
    const cookieHeader = single(readHeader(headers, 'cookie'), realm, 'Cookie')
    const fromCookieHeader = fromCookie(cookieHeader, options.cookie, realm)
    token = onlyOne(token, fromCookieHeader, realm)
  }
  if (options.query !== undefined) token = onlyOne(token, fromQuery(options.url, options.query, realm), realm)
  if (options.body !== undefined)
    token = onlyOne(token, fromBody(headers, options, options.body, realm), realm)
  return token
}
