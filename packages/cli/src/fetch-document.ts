/**
 * One bounded, timed GET of a JSON document (discovery metadata or a JWK Set), keeping what `keys`
 * reports: status, duration, size and cache headers. Same bounds as the core: a timeout over headers and
 * body, 512 KiB at most, same-origin redirects only (at most 3).
 */

const MAX_BYTES = 512 * 1024
const MAX_REDIRECTS = 3
const CACHE_HEADERS = ['cache-control', 'age', 'expires', 'etag', 'last-modified', 'content-type'] as const

export interface FetchedDocument {
  url: string
  status?: number
  durationMs: number
  bytes?: number
  headers: Partial<Record<(typeof CACHE_HEADERS)[number], string>>
  body?: unknown
  error?: string
}

async function readBounded(response: Response): Promise<Buffer> {
  if (Number(response.headers.get('content-length')) > MAX_BYTES)
    throw new Error(`response over ${MAX_BYTES} bytes`)
  const chunks: Uint8Array[] = []
  let size = 0
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.byteLength
      if (size > MAX_BYTES) throw new Error(`response over ${MAX_BYTES} bytes`)
      chunks.push(chunk)
    }
  }
  return Buffer.concat(chunks)
}

function describe(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'request timed out'
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error instanceof Error ? error.message : String(error)}${cause}`
}

/** GETs `url`; never throws: a failure is in `error`. */
export async function fetchDocument(url: string, timeoutMs: number): Promise<FetchedDocument> {
  const started = performance.now()
  const signal = AbortSignal.timeout(timeoutMs)
  const result: FetchedDocument = { url, durationMs: 0, headers: {} }
  let current = new URL(url)
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(current, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'manual',
        signal,
      })
      result.status = response.status
      for (const name of CACHE_HEADERS) {
        const value = response.headers.get(name)
        if (value !== null) result.headers[name] = value
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel()
        const location = response.headers.get('location')
        const next = location ? new URL(location, current) : undefined
        if (!next || next.origin !== current.origin || redirects >= MAX_REDIRECTS)
          throw new Error('redirect refused (the core follows at most 3 redirects, same origin only)')
        current = next
        continue
      }
      if (response.status !== 200) {
        await response.body?.cancel()
        throw new Error(`unexpected HTTP status ${response.status}`)
      }
      const body = await readBounded(response)
      result.bytes = body.length
      try {
        result.body = JSON.parse(new TextDecoder('utf-8').decode(body))
      } catch {
        throw new Error('response is not JSON')
      }
      break
    }
  } catch (error) {
    result.error = describe(error, signal)
  }
  result.durationMs = performance.now() - started
  return result
}

/** `max-age` of a `Cache-Control` value in seconds (`no-cache`/`no-store` count as 0), as the core reads it. */
export function maxAgeOf(cacheControl: string | undefined): number | undefined {
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
