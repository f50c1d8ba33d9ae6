import type { Verifier } from '../create-verifier.js'
import { ConfigError } from '../errors.js'
import { parseHttpUrl } from '../url-policy.js'

/**
 * What the RFC 9728 protected resource metadata document says besides what tokenguard knows from its own
 * options (`resource`, the token sources, DPoP and mTLS). See docs/mcp.md.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({
 *   issuer: 'https://idp.example.com/',
 *   resource: 'https://api.example.com/mcp',
 *   resourceMetadata: { authorizationServers: ['https://idp.example.com/'], scopesSupported: ['tools:read'] },
 * }))
 * ```
 */
export interface ResourceMetadataOptions {
  /**
   * `authorization_servers`: the issuer identifiers of the authorization servers that issue tokens for this
   * resource (RFC 8414 issuer URLs). Default: the `issuer` option's URLs when it is given (not with a shared
   * `verifier`); none otherwise. MCP clients need at least one.
   */
  authorizationServers?: readonly string[]
  /** `scopes_supported`: the scopes clients may request for this resource. Default: none listed. */
  scopesSupported?: readonly string[]
  /** `resource_name`: a human-readable name of this API. */
  resourceName?: string
  /** `resource_documentation`: a URL of the developer documentation. */
  resourceDocumentation?: string
  /** `resource_policy_uri`: a URL of the data-use policy. */
  resourcePolicyUri?: string
  /** `resource_tos_uri`: a URL of the terms of service. */
  resourceTosUri?: string
  /** Seconds clients and caches may keep the document (`Cache-Control: public, max-age`). Default: 3 600. */
  maxAge?: number
}

/** The options that describe this API as an OAuth protected resource (RFC 9728, RFC 8707). */
export interface ProtectedResourceOptions {
  /**
   * This API's resource identifier (RFC 8707, RFC 9728 §1.2): an absolute `https:` URL (`http:` for local
   * development) without query, fragment or credentials, e.g. `'https://api.example.com/mcp'`. Clients ask
   * their authorization server for tokens with this `resource`, so their `aud` holds it.
   *
   * It stands in for `audience` when `audience` is absent; an explicit `audience` wins (Entra ID and Cognito
   * put their own values in `aud`, never the resource URL). Next to a shared `verifier`, the verifier's
   * audience check applies, and one made with `audience: null` is refused. When it is an `https:` URL, its
   * origin is the default `publicOrigin`.
   */
  resource?: string
  /**
   * Publishes the RFC 9728 protected resource metadata document of `resource` (required with it): served
   * without a token at `/.well-known/oauth-protected-resource` and, for a resource with a path, at
   * `/.well-known/oauth-protected-resource/<path>`, by `jwtAuth` itself when it sees requests at the root
   * (mount the adapter's `protectedResourceMetadata` handler at the root otherwise). Every challenge then
   * carries `resource_metadata="<its URL>"`. Default: off.
   */
  resourceMetadata?: ResourceMetadataOptions
}

/** Checks the `resource` option; returns it exactly as given (it is compared with `aud` as a string). */
export function resolveResource(value: unknown): string | undefined {
  if (value === undefined) return undefined
  parseHttpUrl(value, 'resource')
  return value as string
}

/** The verifier options with `audience` taken from `resource` when `audience` is absent. */
export function withResourceAudience(
  options: Record<string, unknown>,
  resource: string | undefined,
): Record<string, unknown> {
  return resource === undefined || options.audience !== undefined
    ? options
    : { ...options, audience: resource }
}

/**
 * Refuses a shared verifier that checks no audience next to `resource`: a token issued for any other API of
 * the issuer would then be accepted (RFC 8707; the MCP specification forbids token passthrough).
 */
export function requireAudienceCheck(verifier: Verifier, option: string): void {
  if (!Array.isArray(verifier.audience))
    throw new ConfigError(
      option,
      'must check an audience next to "resource": create it with an audience (not audience: null)',
    )
}

/** The origin of an `https:` resource, the default `publicOrigin`. */
export function defaultPublicOrigin(resource: string | undefined): string | undefined {
  if (resource === undefined) return undefined
  const url = new URL(resource)
  return url.protocol === 'https:' ? url.origin : undefined
}
