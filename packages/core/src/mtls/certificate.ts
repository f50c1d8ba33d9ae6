import { createHash, X509Certificate } from 'node:crypto'

/**
 * A TLS client certificate as an app or a proxy hands it over: DER bytes (`Buffer`, `Uint8Array`), PEM
 * text, or a parsed `X509Certificate` (what Node's `tlsSocket.getPeerX509Certificate()` returns).
 */
export type ClientCertificate = Uint8Array | string | X509Certificate

/** DER certificates with long chains of extensions stay under 8 KiB; 12 KiB leaves room. */
export const MAX_CERTIFICATE_DER = 12 * 1024
/** PEM is base64 of the DER (4/3 larger) with line breaks and armour. */
export const MAX_CERTIFICATE_PEM = 16 * 1024

function isX509(value: object): value is X509Certificate {
  if (value instanceof X509Certificate) return true
  // An X509Certificate from another copy of node:crypto (a test runner's realm) fails `instanceof`.
  const candidate = value as { raw?: unknown; fingerprint256?: unknown }
  return ArrayBuffer.isView(candidate.raw) && typeof candidate.fingerprint256 === 'string'
}

/** Parses `input` as a certificate; `undefined` when it is not one. */
function parse(input: string | Uint8Array): Uint8Array | undefined {
  try {
    // `raw` is the certificate's own DER: trailing bytes or a PEM chain's further certificates drop off.
    return new X509Certificate(input).raw
  } catch {
    return undefined
  }
}

/**
 * The DER encoding of a client certificate given as DER bytes, PEM text or an `X509Certificate`.
 * `undefined`, `null`, an empty value, an oversized one (DER over 12 KiB, PEM over 16 KiB) or anything
 * that does not parse as an X.509 certificate: `undefined` (the request has no usable certificate).
 *
 * @example
 * ```ts
 * const der = certificateDer(tlsSocket.getPeerX509Certificate())
 * ```
 */
export function certificateDer(value: unknown): Uint8Array | undefined {
  if (typeof value === 'string') {
    if (value.length === 0 || value.length > MAX_CERTIFICATE_PEM || !value.includes('-----BEGIN'))
      return undefined
    return parse(value)
  }
  if (typeof value !== 'object' || value === null) return undefined
  if (ArrayBuffer.isView(value)) {
    if (value.byteLength === 0 || value.byteLength > MAX_CERTIFICATE_DER) return undefined
    return parse(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  }
  if (!isX509(value)) return undefined
  const raw = value.raw
  return raw.byteLength > MAX_CERTIFICATE_DER ? undefined : raw
}

/**
 * The RFC 8705 §3.1 thumbprint of a client certificate: base64url(SHA-256(DER)), the value a
 * certificate-bound token carries in `cnf["x5t#S256"]`. `undefined` when `value` is no certificate
 * (see {@link certificateDer}).
 *
 * @example
 * ```ts
 * const x5t = certificateThumbprint(pemText) // e.g. to issue test tokens bound to a certificate
 * ```
 */
export function certificateThumbprint(value: unknown): string | undefined {
  const der = certificateDer(value)
  return der === undefined ? undefined : createHash('sha256').update(der).digest('base64url')
}

/** What Node's `TLSSocket` offers about its peer; a plain socket has neither method. */
export interface PeerCertificateSource {
  getPeerX509Certificate?(): X509Certificate | undefined
  getPeerCertificate?(detailed?: boolean): { raw?: Uint8Array } | null | undefined
}

/**
 * The client certificate the TLS connection of a request presented, read from Node's socket:
 * `getPeerX509Certificate()`, else `getPeerCertificate().raw`. `undefined` for a plain (non-TLS) socket
 * or a client that sent no certificate (Node then returns `undefined` or an empty object).
 *
 * @example
 * ```ts
 * const certificate = socketCertificate(req.socket)
 * ```
 */
export function socketCertificate(socket: unknown): ClientCertificate | undefined {
  if (typeof socket !== 'object' || socket === null) return undefined
  const tls = socket as PeerCertificateSource
  if (typeof tls.getPeerX509Certificate === 'function') return tls.getPeerX509Certificate() ?? undefined
  if (typeof tls.getPeerCertificate !== 'function') return undefined
  const raw = tls.getPeerCertificate()?.raw
  return raw !== undefined && ArrayBuffer.isView(raw) ? raw : undefined
}
