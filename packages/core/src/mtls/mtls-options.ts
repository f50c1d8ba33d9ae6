import { ConfigError } from '../errors.js'
import type { ClientCertificate } from './certificate.js'

/** What `getCertificate` may return: a certificate, or `undefined` / `null` for none. */
export type CertificateResult = ClientCertificate | null | undefined

/**
 * Certificate-bound access tokens (RFC 8705 §3): a token with `cnf["x5t#S256"]` is accepted only from a
 * request whose TLS client certificate has that SHA-256 thumbprint. The binding authenticates, not the
 * certificate chain: a self-signed client certificate works. See docs/mtls.md.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({
 *   issuer, audience,
 *   mtls: { getCertificate: (req) => parseClientCertHeader(req.headers['client-cert']) },
 * }))
 * ```
 */
export interface MtlsOptions<Request> {
  /**
   * - `'allowed'` (default): a certificate-bound token only with its certificate; unbound tokens as usual.
   * - `'required'`: only certificate-bound tokens (with their certificate) are accepted.
   * - `'disabled'`: certificate-bound tokens are refused (`binding_unverified`).
   *
   * `'required'` cannot be combined with `dpop.mode: 'required'`.
   */
  mode?: 'allowed' | 'required' | 'disabled'
  /**
   * Where the request's client certificate comes from: DER bytes, PEM text or an `X509Certificate`, or
   * `undefined` / `null` for none; may return a promise. Called only for a certificate-bound token.
   * Default: the TLS socket the request came in on (when the app terminates TLS itself). A function that
   * throws answers the request with a 500, like a throwing `getToken`.
   *
   * Security: behind a TLS-terminating proxy, return the header the proxy forwards (see
   * `parseNginxClientCert`, `parseEnvoyXfcc`, `parseClientCertHeader`), and only if that proxy sets the
   * header itself and strips any copy a client sent.
   */
  getCertificate?: (request: Request) => CertificateResult | Promise<CertificateResult>
}

/** The checked form of {@link MtlsOptions}; `undefined` when mTLS is disabled. */
export interface ResolvedMtls<Request> {
  readonly mode: 'allowed' | 'required'
  readonly getCertificate: MtlsOptions<Request>['getCertificate']
}

/**
 * Checks the `mtls` option. `dpopMode` is the resolved `dpop.mode` (`undefined` when DPoP is disabled):
 * requiring both bindings is refused, since it would also refuse every token bound only one way.
 */
export function resolveMtls<Request>(
  options: unknown,
  dpopMode: string | undefined,
): ResolvedMtls<Request> | undefined {
  if (options === undefined) options = {}
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError('mtls', 'must be an object')
  const mtls = options as Record<string, unknown>
  for (const name of Object.keys(mtls))
    if (name !== 'mode' && name !== 'getCertificate')
      throw new ConfigError(`mtls.${name}`, 'is not an mTLS option')
  const mode = mtls.mode ?? 'allowed'
  if (mode !== 'allowed' && mode !== 'required' && mode !== 'disabled')
    throw new ConfigError('mtls.mode', 'must be "allowed", "required" or "disabled"')
  if (mtls.getCertificate !== undefined && typeof mtls.getCertificate !== 'function')
    throw new ConfigError('mtls.getCertificate', 'must be a function')
  if (mode === 'required' && dpopMode === 'required')
    throw new ConfigError('mtls.mode', 'cannot be "required" together with dpop.mode "required"')
  if (mode === 'disabled') return undefined
  return Object.freeze({
    mode,
    getCertificate: mtls.getCertificate as MtlsOptions<Request>['getCertificate'],
  })
}
