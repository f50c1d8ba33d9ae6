import { isAllowedKeyUrl } from '../url-policy.js'
import { FetchJsonError, fetchJson, type FetchJsonOptions } from './fetch-json.js'

/**
 * Metadata URLs to try for an issuer, in order: OpenID Connect Discovery 1.0 §4 appends the well-known
 * path to the issuer; RFC 8414 §3.1 inserts it between the host and the issuer's path.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ]
}

/**
 * Finds an issuer's `jwks_uri` from its metadata. The document's `issuer` must equal the configured one
 * exactly (RFC 8414 §3.3), so a metadata endpoint cannot speak for another issuer.
 */
export async function discoverJwksUri(issuer: string, options: FetchJsonOptions): Promise<string> {
  let lastError: unknown
  for (const url of metadataUrls(issuer)) {
    try {
      const { body } = await fetchJson(url, options)
      if (typeof body !== 'object' || body === null) throw new FetchJsonError('metadata is not a JSON object')
      const metadata = body as { issuer?: unknown; jwks_uri?: unknown }
      if (metadata.issuer !== issuer)
        throw new FetchJsonError('metadata issuer does not match the configured issuer')
      if (typeof metadata.jwks_uri !== 'string') throw new FetchJsonError('metadata has no jwks_uri')
      let jwksUri: URL
      try {
        jwksUri = new URL(metadata.jwks_uri)
      } catch (cause) {
        throw new FetchJsonError('metadata jwks_uri is not a URL', { cause })
      }
      if (!isAllowedKeyUrl(jwksUri)) throw new FetchJsonError('metadata jwks_uri is not https')
      return jwksUri.href
    } catch (error) {
      lastError = error
    }
  }
  throw lastError
}
