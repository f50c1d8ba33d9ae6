import { certificateDer, MAX_CERTIFICATE_PEM } from './certificate.js'

/**
 * Parsers for the headers in which TLS-terminating proxies forward the client certificate. Each takes the
 * header value as the framework gives it (a string; a repeated header's array is refused) and returns the
 * certificate's DER bytes, or `undefined` when the header is absent, malformed, oversized or holds no
 * certificate. Pass the result on from `mtls.getCertificate`.
 *
 * Security: such a header is only as trustworthy as the proxy in front of the app. Trust it only when
 * every request reaches the app through that proxy, and the proxy sets the header itself and removes any
 * copy a client sent; otherwise anyone can present any certificate.
 */

type HeaderValue = string | readonly string[] | undefined

/** URL-encoding at most triples a PEM certificate's length. */
const MAX_ENCODED = 3 * MAX_CERTIFICATE_PEM
/** RFC 9440 `:base64:` of at most 12 KiB of DER. */
const MAX_BYTE_SEQUENCE = 16 * 1024 + 2
/** An RFC 8941 byte sequence: base64 (standard alphabet, padding allowed) between colons. */
const BYTE_SEQUENCE = /^:([A-Za-z0-9+/]*={0,2}):$/
const DER_SEQUENCE = 0x30

function single(value: HeaderValue, max: number): string | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed.length === 0 || trimmed.length > max ? undefined : trimmed
}

function urlDecoded(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

/**
 * nginx: `proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;` sends the client certificate as
 * URL-encoded PEM (empty when the client sent none).
 *
 * @example
 * ```ts
 * app.use(jwtAuth({ issuer, audience, mtls: { getCertificate: (req) => parseNginxClientCert(req.headers['x-ssl-client-cert']) } }))
 * ```
 */
export function parseNginxClientCert(value: HeaderValue): Uint8Array | undefined {
  const encoded = single(value, MAX_ENCODED)
  return encoded === undefined ? undefined : certificateDer(urlDecoded(encoded))
}

/** Splits `text` on `separator` outside double-quoted strings (where `\` escapes the next character). */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (quoted && char === '\\') i++
    else if (char === '"') quoted = !quoted
    else if (!quoted && char === separator) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

function unquoted(value: string): string {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) return value
  return value.slice(1, -1).replace(/\\(.)/g, '$1')
}

/**
 * Envoy: `X-Forwarded-Client-Cert` (with `forward_client_cert_details: SANITIZE_SET` and
 * `set_current_client_cert_details: { cert: true }`) holds `;`-separated `Key=value` pairs such as
 * `Hash=…;Cert="<URL-encoded PEM>";Subject="…"`. The `Cert` value is returned.
 *
 * Several `,`-separated elements (one per proxy hop, as `APPEND_FORWARD` makes them) are refused:
 * which element describes the client depends on the proxy chain, and an element a client sent itself
 * must never count. Configure the edge proxy to replace the header (`SANITIZE_SET`).
 *
 * @example
 * ```ts
 * const mtls = { getCertificate: (req: IncomingMessage) => parseEnvoyXfcc(req.headers['x-forwarded-client-cert']) }
 * ```
 */
export function parseEnvoyXfcc(value: HeaderValue): Uint8Array | undefined {
  const header = single(value, MAX_ENCODED + 4096)
  if (header === undefined) return undefined
  const elements = splitOutsideQuotes(header, ',')
  if (elements.length !== 1) return undefined
  let cert: string | undefined
  for (const pair of splitOutsideQuotes(elements[0] as string, ';')) {
    const equals = pair.indexOf('=')
    if (equals === -1 || pair.slice(0, equals).trim().toLowerCase() !== 'cert') continue
    if (cert !== undefined) return undefined // two Cert keys: ambiguous
    cert = unquoted(pair.slice(equals + 1).trim())
  }
  return cert === undefined ? undefined : certificateDer(urlDecoded(cert))
}

/**
 * RFC 9440 `Client-Cert`: the DER certificate as a structured-field byte sequence, `:<base64>:`. HAProxy
 * (`http-request set-header Client-Cert :%[ssl_c_der,base64]:`) and Caddy
 * (`header_up Client-Cert :{http.request.tls.client.certificate_der_base64}:`) can send it.
 *
 * @example
 * ```ts
 * const mtls = { getCertificate: (req: IncomingMessage) => parseClientCertHeader(req.headers['client-cert']) }
 * ```
 */
export function parseClientCertHeader(value: HeaderValue): Uint8Array | undefined {
  const header = single(value, MAX_BYTE_SEQUENCE)
  const base64 = header === undefined ? undefined : BYTE_SEQUENCE.exec(header)?.[1]
  if (base64 === undefined) return undefined
  const der = Buffer.from(base64, 'base64')
  // DER only (a SEQUENCE), as RFC 9440 §2.2 says: Node would also parse PEM text given as bytes.
  return der[0] === DER_SEQUENCE ? certificateDer(der) : undefined
}
