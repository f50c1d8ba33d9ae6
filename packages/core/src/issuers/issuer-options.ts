import { ConfigError } from '../errors.js'
import type { KeySource } from '../keys/key-source.js'
import type { Algorithm, IssuerConfig } from '../options.js'
import { isIssuerTemplate, isTenantId, parseIssuerTemplate, type IssuerTemplate } from './issuer-template.js'

/**
 * The options of multi-tenant issuers: issuer templates (`{tenantid}`), the `resolveIssuer` hook and the
 * cache of what they resolved. Checked at start-up; the run-time side is `issuer-directory.ts`.
 */

/** What `resolveIssuer` returns for a trusted issuer: where its keys are. */
export interface ResolvedIssuer {
  /** The issuer; when given, it must equal the `iss` asked about. */
  issuer?: string
  /**
   * JWK Set URL. One of `jwksUri`, `keys` or `secret` is required: a resolved issuer is never discovered
   * from its `iss`, so no URL is ever derived from a token.
   */
  jwksUri?: string
  keys?: IssuerConfig['keys']
  secret?: IssuerConfig['secret']
  /** Algorithms accepted for this issuer. Default: the verifier's `algorithms`. */
  algorithms?: Algorithm[]
}

/** Looks up an issuer not configured statically: a trusted entry, or `undefined` to refuse it. */
export type IssuerResolver = (iss: string) => ResolvedIssuer | undefined | Promise<ResolvedIssuer | undefined>

/** Options of the cache of issuers found by templates and `resolveIssuer`. Durations in milliseconds. */
export interface IssuerCacheOptions {
  /** Most trusted issuers (tenants) kept, each with its key set; least recently used leave first. Default: 1 000 (at most 1 000 000). */
  maxEntries?: number
  /** How long a trusted issuer is kept before it is asked about again. Default: 3 600 000 (1 h). */
  ttl?: number
  /** Most refused issuers remembered (kept apart, so a flood cannot evict trusted ones). Default: 10 000. */
  maxNegativeEntries?: number
  /** How long a refused issuer is remembered. Default: 300 000 (5 min). */
  negativeTtl?: number
  /**
   * Most calls to `resolveIssuer` and `isTenantAllowed` per minute, whatever the number of unknown `iss`
   * values; past it an unknown issuer is refused with `keys_unavailable` (503). Default: 600.
   */
  maxResolvesPerMinute?: number
}

export interface IssuerCacheSettings {
  maxEntries: number
  ttl: number
  maxNegativeEntries: number
  negativeTtl: number
  maxResolvesPerMinute: number
}

/** The keys and algorithms of one issuer, built by the verifier's own key rules. */
export interface IssuerKeys {
  keys: KeySource
  algorithms: readonly string[]
}

/** Builds an issuer's keys from a config (may throw `ConfigError`). */
export type KeyBuilder = (config: Omit<IssuerConfig, 'issuer'>, prefix: string, issuer: string) => IssuerKeys

/** A checked issuer template entry. */
export interface TenantTemplate {
  readonly template: IssuerTemplate
  readonly tenantClaim: string
  readonly tenants: ReadonlySet<string> | undefined
  readonly isTenantAllowed: ((tenantId: string) => boolean | Promise<boolean>) | undefined
  /** The keys of one tenant: the template's shared set, or one built for this tenant. */
  keysFor(tenantId: string): IssuerKeys
}

/** Hosts whose tokens carry the tenant in `tid` (Entra ID v1 and v2, public and national clouds). */
const MICROSOFT_HOSTS = new Set([
  'login.microsoftonline.com',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
  'sts.chinacloudapi.cn',
])

export const TENANT_OPTIONS = ['tenantClaim', 'tenants', 'isTenantAllowed'] as const

function number(value: unknown, option: string, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    throw new ConfigError(option, `must be a number of at least ${min}`)
  return value
}

/**
 * Most entries an issuer cache may be given: lru-cache reserves its bookkeeping for every entry up front
 * (about 50 bytes each), and a million tenants' key sets would already hold gigabytes.
 */
const MAX_CACHE_ENTRIES = 1_000_000

function entryCount(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_CACHE_ENTRIES)
    throw new ConfigError(option, `must be a whole number from 1 to ${MAX_CACHE_ENTRIES}`)
  return value as number
}

export function resolveIssuerCache(value: IssuerCacheOptions | undefined): IssuerCacheSettings {
  if (value !== undefined && (typeof value !== 'object' || value === null))
    throw new ConfigError('issuerCache', 'must be an object')
  const o = value ?? {}
  for (const name of Object.keys(o))
    if (!['maxEntries', 'ttl', 'maxNegativeEntries', 'negativeTtl', 'maxResolvesPerMinute'].includes(name))
      throw new ConfigError(`issuerCache.${name}`, 'is not a known option')
  return {
    maxEntries: entryCount(o.maxEntries, 'issuerCache.maxEntries', 1000),
    ttl: number(o.ttl, 'issuerCache.ttl', 3_600_000, 1),
    maxNegativeEntries: entryCount(o.maxNegativeEntries, 'issuerCache.maxNegativeEntries', 10_000),
    negativeTtl: number(o.negativeTtl, 'issuerCache.negativeTtl', 300_000, 0),
    maxResolvesPerMinute: number(o.maxResolvesPerMinute, 'issuerCache.maxResolvesPerMinute', 600, 1),
  }
}

/** Refuses tenant options on an entry that is not a template. */
export function rejectTenantOptions(config: IssuerConfig, prefix: string): void {
  for (const name of TENANT_OPTIONS)
    if (config[name] !== undefined)
      throw new ConfigError(`${prefix}${name}`, 'is only for an issuer template with "{tenantid}"')
}

/**
 * Checks one `{tenantid}` entry: the placeholder's place, the tenant claim, the tenant allowlist (a
 * template without one would trust every tenant of the provider), and where its keys come from — shared
 * by every tenant, or per tenant through a `jwksUri` template or discovery of the tenant's issuer.
 */
export function resolveTenantTemplate(
  config: IssuerConfig,
  prefix: string,
  build: KeyBuilder,
): TenantTemplate {
  const template = parseIssuerTemplate(config.issuer, `${prefix}issuer`)
  if (config.decryption !== undefined)
    throw new ConfigError(`${prefix}decryption`, 'is not supported on an issuer template yet')
  if (config.introspection !== undefined)
    throw new ConfigError(`${prefix}introspection`, 'is not supported on an issuer template yet')
  const microsoft = MICROSOFT_HOSTS.has(template.host)
  const tenantClaim = config.tenantClaim ?? (microsoft ? 'tid' : undefined)
  if (typeof tenantClaim !== 'string' || tenantClaim === '')
    throw new ConfigError(
      `${prefix}tenantClaim`,
      'is required for an issuer template (the claim that must equal the tenant id in iss)',
    )
  const { tenants, isTenantAllowed } = config
  if ((tenants === undefined) === (isTenantAllowed === undefined))
    throw new ConfigError(
      `${prefix}tenants`,
      'or "isTenantAllowed" (one of them) is required for an issuer template: without one, every tenant of the provider is trusted',
    )
  if (
    tenants !== undefined &&
    (!Array.isArray(tenants) || tenants.length === 0 || !tenants.every(isTenantId))
  )
    throw new ConfigError(
      `${prefix}tenants`,
      'must be a non-empty array of tenant ids (letters, digits, "-", "_", "."; not starting with ".")',
    )
  if (isTenantAllowed !== undefined && typeof isTenantAllowed !== 'function')
    throw new ConfigError(`${prefix}isTenantAllowed`, 'must be a function')

  const { jwksUri } = config
  const keyConfig = { keys: config.keys, secret: config.secret, algorithms: config.algorithms }
  let keysFor: (tenantId: string) => IssuerKeys
  if (isIssuerTemplate(jwksUri)) {
    const uris = parseIssuerTemplate(jwksUri, `${prefix}jwksUri`)
    keysFor = (id) => build({ ...keyConfig, jwksUri: uris.fill(id) }, prefix, template.fill(id))
  } else if (jwksUri === undefined && config.keys === undefined && config.secret === undefined) {
    // Each tenant's keys are discovered from its own issuer URL: the template you configured, filled
    // with an allowed tenant id.
    keysFor = (id) => build(keyConfig, prefix, template.fill(id))
  } else {
    const shared = build({ ...keyConfig, jwksUri }, prefix, template.fill('tenant'))
    keysFor = () => shared
  }
  // Checks the key options now (a bad URL or algorithm is a start-up error, not a first-request one).
  keysFor('tenant')
  return {
    template,
    tenantClaim,
    tenants: tenants === undefined ? undefined : new Set(tenants),
    isTenantAllowed,
    keysFor,
  }
}
