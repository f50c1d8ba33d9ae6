/**
 * Fetches a JSON document (JWK Set or issuer metadata) with the bounds jose leaves to its callers:
 * one timeout covering headers and body, a byte cap enforced while streaming, and no redirect to another
 * origin.
 */

const MAX_SAME_ORIGIN_REDIRECTS = 3

export interface FetchJsonOptions {
  timeout: number
  maxBytes: number
  fetch: typeof fetch
}

export interface FetchedJson {
  body: unknown
  /** `max-age` of the response's `Cache-Control`, in seconds, when present and not `no-store`. */
  maxAge: number | undefined
}

/** Why a fetch failed: kept as the `cause` of the 503 so operators can see it in their logs. */
export class FetchJsonError extends Error {
  /**
   * The HTTP status when the server answered something other than 200 or a redirect: a 404 or 410 from a
   * discovered JWK Set URL means the issuer may have moved it.
   */
  readonly status: number | undefined

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options)
    this.name = 'FetchJsonError'
    this.status = options?.status
  }
}

/** Reads `max-age` from a `Cache-Control` header; `no-cache`/`no-store` count as zero. */
export function parseMaxAge(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim())
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0
  for (const directive of directives) {
    const match = /^max-age=(\d{1,10})$/.exec(directive)
    if (match) return Number(match[1])
  }
  return undefined
}

export async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (declared > maxBytes) throw new FetchJsonError('response exceeds the size limit')
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let received = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    received += value.byteLength
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new FetchJsonError('response exceeds the size limit')
    }
    chunks.push(value)
  }
  // Decoded as Fetch's `Response.json()` does (WHATWG Encoding "UTF-8 decode"): one leading BOM is dropped.
  // jose reads JWK Sets that way, so an issuer whose documents start with a BOM works with jose and must
  // work here too (RFC 8259 §8.1 lets parsers ignore it); `Buffer#toString` would keep it and fail JSON.parse.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks))
}

/** GETs `url` and parses the JSON body, within the configured bounds. */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchedJson> {
  const signal = AbortSignal.timeout(options.timeout)
  let current = new URL(url)
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await options.fetch(current.href, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'manual',
        signal,
      })
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined)
        const location = response.headers.get('location')
        const next = location ? new URL(location, current) : undefined
        if (!next || next.origin !== current.origin || redirects >= MAX_SAME_ORIGIN_REDIRECTS) {
          throw new FetchJsonError('redirect refused')
        }
        current = next
        continue
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined)
        throw new FetchJsonError(`unexpected HTTP status ${response.status}`, { status: response.status })
      }
      const text = await readBounded(response, options.maxBytes)
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (cause) {
        throw new FetchJsonError('response is not JSON', { cause })
      }
      return { body, maxAge: parseMaxAge(response.headers.get('cache-control')) }
    }
  } catch (cause) {
    if (cause instanceof FetchJsonError) throw cause
    throw new FetchJsonError(signal.aborted ? 'request timed out' : 'request failed', { cause })
  }
}
