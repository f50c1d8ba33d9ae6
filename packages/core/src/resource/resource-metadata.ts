import { resolveDpop, type ResolvedDpop } from '../dpop/dpop-options.js'
import { ConfigError } from '../errors.js'
import { parseHttpUrl } from '../url-policy.js'
import { resolveResource } from './resource-options.js'

/** The RFC 9728 §2 protected resource metadata document, as served. */
export interface ProtectedResourceMetadata {
  readonly resource: string
  readonly authorization_servers?: readonly string[]
  readonly scopes_supported?: readonly string[]
  readonly bearer_methods_supported: readonly ('header' | 'body' | 'query')[]
  readonly resource_name?: string
  readonly resource_documentation?: string
  readonly resource_policy_uri?: string
  readonly resource_tos_uri?: string
  readonly dpop_signing_alg_values_supported?: readonly string[]
  readonly dpop_bound_access_tokens_required?: boolean
  readonly tls_client_certificate_bound_access_tokens?: boolean
}

/** A protected resource: its identifier, its metadata document and where that document is served. */
export interface ProtectedResource {
  readonly resource: string
  /** The URL of the document, sent as `resource_metadata` in every challenge (RFC 9728 §5.1). */
  readonly metadataUrl: string
  /** The exact paths the document is served at: the path-inserted one (RFC 9728 §3.1) and the root one. */
  readonly paths: readonly string[]
  readonly document: ProtectedResourceMetadata
  /** The document as sent: JSON text. */
  readonly body: string
  /** Seconds of `Cache-Control: public, max-age`. */
  readonly maxAge: number
}

/** The well-known URI suffix of RFC 9728 §3. */
export const WELL_KNOWN_PATH = '/.well-known/oauth-protected-resource'

const KNOWN = new Set([
  'authorizationServers',
  'scopesSupported',
  'resourceName',
  'resourceDocumentation',
  'resourcePolicyUri',
  'resourceTosUri',
  'maxAge',
])
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/
const MAX_NAME_LENGTH = 256
const ONE_DAY_SECONDS = 86_400

/** Where the document of `resource` lives: the well-known suffix inserted between host and path. */
function locate(resource: string): { metadataUrl: string; paths: readonly string[] } {
  const url = new URL(resource)
  // RFC 9728 §3.1: a terminating slash right after the host is removed; any other path is kept as is.
  const path = url.pathname === '/' ? '' : url.pathname
  const inserted = `${WELL_KNOWN_PATH}${path}`
  return {
    metadataUrl: `${url.origin}${inserted}`,
    paths: Object.freeze(path === '' ? [inserted] : [inserted, WELL_KNOWN_PATH]),
  }
}

function urlList(value: unknown, option: string): readonly string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError(option, 'must be a non-empty array of URLs')
  value.forEach((entry, index) => parseHttpUrl(entry, `${option}[${index}]`))
  return Object.freeze([...new Set(value as string[])])
}

function optionalUrl(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined
  parseHttpUrl(value, option)
  return value as string
}

function scopeList(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((scope) => typeof scope === 'string' && SCOPE_TOKEN.test(scope)))
    throw new ConfigError(
      'resourceMetadata.scopesSupported',
      'must be an array of scope names without spaces, quotes or backslashes (RFC 6749 §3.3)',
    )
  return Object.freeze([...new Set(value as string[])])
}

function resourceName(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '' || value.length > MAX_NAME_LENGTH)
    throw new ConfigError(
      'resourceMetadata.resourceName',
      `must be a string of 1 to ${MAX_NAME_LENGTH} characters`,
    )
  return value
}

function maxAgeOf(value: unknown): number {
  if (value === undefined) return 3600
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > ONE_DAY_SECONDS)
    throw new ConfigError(
      'resourceMetadata.maxAge',
      `must be an integer number of seconds from 0 to ${ONE_DAY_SECONDS}`,
    )
  return value
}

/** The `issuer` option's URLs, the default `authorization_servers`. */
function issuerUrls(issuer: unknown): readonly string[] | undefined {
  const entries: unknown[] = Array.isArray(issuer) ? issuer : [issuer]
  const urls = entries
    .map((entry) =>
      typeof entry === 'object' && entry !== null ? (entry as { issuer?: unknown }).issuer : entry,
    )
    .filter((value): value is string => typeof value === 'string' && /^https?:\/\//i.test(value))
  return urls.length === 0 ? undefined : Object.freeze([...new Set(urls)])
}

/** Whether the `mtls` option is present and enabled. The default (no `mtls` option) is not announced. */
function announcesMtls(mtls: unknown): boolean {
  if (typeof mtls !== 'object' || mtls === null) return false
  return (mtls as { mode?: unknown }).mode !== 'disabled'
}

/**
 * Builds the protected resource of an adapter's options: `resource` and `resourceMetadata`, plus what the
 * document reports of the other options (`issuer`, `body`, `query`, `dpop`, `mtls`). `undefined` without
 * `resourceMetadata`. Options are checked now; a bad one throws a `ConfigError` naming it.
 */
export function resolveProtectedResource(
  options: Readonly<Record<string, unknown>>,
  dpop: ResolvedDpop | undefined,
): ProtectedResource | undefined {
  const resource = resolveResource(options.resource)
  const given = options.resourceMetadata
  if (given === undefined) return undefined
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw new ConfigError('resourceMetadata', 'must be an object')
  if (resource === undefined) throw new ConfigError('resource', 'is required with "resourceMetadata"')
  const metadata = given as Record<string, unknown>
  for (const name of Object.keys(metadata))
    if (!KNOWN.has(name))
      throw new ConfigError(`resourceMetadata.${name}`, 'is not a resource metadata option')
  const authorizationServers =
    metadata.authorizationServers === undefined
      ? issuerUrls(options.issuer)
      : urlList(metadata.authorizationServers, 'resourceMetadata.authorizationServers')
  const bearerMethods: ('header' | 'body' | 'query')[] = ['header']
  if (options.body !== undefined) bearerMethods.push('body')
  if (options.query !== undefined) bearerMethods.push('query')
  const document: ProtectedResourceMetadata = {
    resource,
    ...(authorizationServers === undefined ? {} : { authorization_servers: authorizationServers }),
    ...optional('scopes_supported', scopeList(metadata.scopesSupported)),
    bearer_methods_supported: Object.freeze(bearerMethods),
    ...optional('resource_name', resourceName(metadata.resourceName)),
    ...optional(
      'resource_documentation',
      optionalUrl(metadata.resourceDocumentation, 'resourceMetadata.resourceDocumentation'),
    ),
    ...optional(
      'resource_policy_uri',
      optionalUrl(metadata.resourcePolicyUri, 'resourceMetadata.resourcePolicyUri'),
    ),
    ...optional('resource_tos_uri', optionalUrl(metadata.resourceTosUri, 'resourceMetadata.resourceTosUri')),
    ...(dpop === undefined
      ? {}
      : {
          dpop_signing_alg_values_supported: dpop.algorithms,
          dpop_bound_access_tokens_required: dpop.mode === 'required',
        }),
    ...(announcesMtls(options.mtls) ? { tls_client_certificate_bound_access_tokens: true } : {}),
  }
  return Object.freeze({
    resource,
    ...locate(resource),
    document: Object.freeze(document),
    body: JSON.stringify(document),
    maxAge: maxAgeOf(metadata.maxAge),
  })
}

function optional<Name extends string, Value>(name: Name, value: Value | undefined): { [K in Name]?: Value } {
  return (value === undefined ? {} : { [name]: value }) as { [K in Name]?: Value }
}

/**
 * The protected resource of an adapter's options, for a handler that serves the document apart from
 * `jwtAuth` (an app that mounts `jwtAuth` under a prefix): pass the same options. Nothing is fetched and no
 * verifier is made.
 *
 * @throws ConfigError when `resource` or `resourceMetadata` is missing or invalid
 * @example
 * ```ts
 * const resource = createProtectedResource({ issuer, resource: 'https://api.example.com/mcp', resourceMetadata: {} })
 * resource.metadataUrl // 'https://api.example.com/.well-known/oauth-protected-resource/mcp'
 * ```
 */
export function createProtectedResource(options: object): ProtectedResource {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  const all = options as Record<string, unknown>
  const resource = resolveProtectedResource(all, resolveDpop(all.dpop))
  if (resource === undefined) throw new ConfigError('resourceMetadata', 'is required to serve the metadata')
  return resource
}
