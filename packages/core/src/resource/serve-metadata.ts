import { readHeader, type HeadersLike } from '../extract-token.js'
import type { ProtectedResource } from './resource-metadata.js'

/** A response an adapter writes as is, ending the request there. */
export interface MetadataResponse {
  readonly status: 200 | 204
  readonly headers: Readonly<Record<string, string>>
  /** The JSON text for `GET`; empty for `HEAD` and a preflight. */
  readonly body: string
}

/**
 * The response to a request for the protected resource metadata, or `undefined` when the request is not
 * one: only `GET` and `HEAD` of exactly one of `resource.paths` (the query aside), and the CORS preflight
 * (`OPTIONS` with `Access-Control-Request-Method`) of those paths. The path is compared as sent, byte for
 * byte: no decoding, no case folding, no trailing slash, no dot segments, so `/.well-known/oauth-protected-
 * resource/../admin`, `%2e` or `/.WELL-KNOWN/…` never match. Every other request, to those paths too, is
 * left to authentication.
 *
 * @param url the request target as sent (path and query), e.g. Node's `req.url` at the root
 * @example
 * ```ts
 * const answer = metadataResponse(resource, req.method, req.url, req.headers)
 * if (answer) res.writeHead(answer.status, answer.headers).end(answer.body)
 * ```
 */
export function metadataResponse(
  resource: ProtectedResource,
  method: string | undefined,
  url: string | undefined,
  headers: HeadersLike,
): MetadataResponse | undefined {
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') return undefined
  if (url === undefined) return undefined
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  if (!resource.paths.includes(path)) return undefined
  if (method === 'OPTIONS') {
    // Only a CORS preflight is answered here; any other OPTIONS request is authenticated as usual.
    if (readHeader(headers, 'access-control-request-method') === undefined) return undefined
    return { status: 204, headers: PREFLIGHT_HEADERS, body: '' }
  }
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(resource.body)),
      'Cache-Control': `public, max-age=${resource.maxAge}`,
      'Access-Control-Allow-Origin': '*',
      'X-Content-Type-Options': 'nosniff',
    },
    body: method === 'HEAD' ? '' : resource.body,
  }
}

/**
 * The document is public and sent without credentials, so any origin may read it and send any request
 * header (MCP clients add `MCP-Protocol-Version`); nothing of the request is echoed back.
 */
const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': '*',
  'Access-Control-Max-Age': '86400',
  'Content-Length': '0',
})
