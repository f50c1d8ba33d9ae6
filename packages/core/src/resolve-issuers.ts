/**
 * The issuer half of `resolveOptions`: each trusted issuer's identifier, algorithms and key source (JWK
 * Set, discovery, static keys, secret), its decryption keys and its tenant template.
 */
import { ConfigError } from './errors.js'
import { DEFAULT_ALGORITHMS, isSymmetric, SUPPORTED_ALGORITHMS } from './algorithms.js'
import { DiscoveredJwksLocation } from './jwks/discovery.js'
import { fixedJwksLocation } from './jwks/jwks-location.js'
import { RemoteKeySet, type RemoteKeySetSettings } from './jwks/remote-key-set.js'
import type { KeySource } from './keys/key-source.js'
import { algorithmsForSecret, createSecretKeySource, toSecretKey } from './keys/secret-key.js'
import { createStaticKeySet } from './keys/static-key-set.js'
import type { Algorithm, IssuerConfig, JwksOptions, VerifierOptions } from './options.js'
import { parseKeyUrl } from './url-policy.js'
import { resolveDecryption } from './jwe/decryption-options.js'
import {
  rejectTenantOptions,
  resolveTenantTemplate,
  type KeyBuilder,
  type TenantTemplate,
} from './issuers/issuer-options.js'
import { isIssuerTemplate } from './issuers/issuer-template.js'
import { resolveIntrospection } from './introspection/introspection-options.js'
import { nonEmptyStrings, number, optionalFunction, rejectUnknown } from './option-checks.js'
import type { TrustedIssuer } from './resolve-options.js'

const KNOWN_JWKS_OPTIONS = new Set([
  'timeout',
  'cooldown',
  'cacheMaxAge',
  'minCacheAge',
  'maxCacheAge',
  'refreshAhead',
  'staleWindow',
  'maxResponseBytes',
  'maxKeys',
  'fetch',
])
const KNOWN_ISSUER_CONFIG_OPTIONS = new Set([
  'issuer',
  'jwksUri',
  'keys',
  'secret',
  'algorithms',
  'decryption',
  'tenantClaim',
  'tenants',
  'isTenantAllowed',
  'introspection',
])

export function resolveJwksSettings(
  jwks: JwksOptions | undefined,
  now: () => number,
  allowHttpHosts: ReadonlySet<string>,
): RemoteKeySetSettings {
  if (jwks !== undefined && (typeof jwks !== 'object' || jwks === null))
    throw new ConfigError('jwks', 'must be an object')
  const o = jwks ?? {}
  rejectUnknown(o, KNOWN_JWKS_OPTIONS, 'jwks.')
  const minCacheAge = number(o.minCacheAge, 'jwks.minCacheAge', 60_000, 0)
  const maxCacheAge = number(o.maxCacheAge, 'jwks.maxCacheAge', 86_400_000, minCacheAge)
  return {
    timeout: number(o.timeout, 'jwks.timeout', 5_000, 1, 120_000),
    cooldown: number(o.cooldown, 'jwks.cooldown', 30_000, 0),
    cacheMaxAge: number(o.cacheMaxAge, 'jwks.cacheMaxAge', 600_000, 0),
    minCacheAge,
    maxCacheAge,
    refreshAhead: number(o.refreshAhead, 'jwks.refreshAhead', 30_000, 0),
    staleWindow: number(o.staleWindow, 'jwks.staleWindow', 3_600_000, 0),
    maxBytes: number(o.maxResponseBytes, 'jwks.maxResponseBytes', 512 * 1024, 1),
    maxKeys: number(o.maxKeys, 'jwks.maxKeys', 100, 1, 10_000),
    fetch: optionalFunction(o.fetch, 'jwks.fetch') ?? ((...args) => fetch(...args)),
    now,
    allowHttpHosts,
  }
}

export function resolveAlgorithms(value: unknown, option: string, symmetric: boolean): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(option, 'must be a non-empty array')
  for (const alg of value) {
    if (typeof alg !== 'string' || !SUPPORTED_ALGORITHMS.has(alg)) {
      throw new ConfigError(
        option,
        `holds an unsupported algorithm (supported: ${[...SUPPORTED_ALGORITHMS].join(', ')})`,
      )
    }
    if (isSymmetric(alg) !== symmetric) {
      throw new ConfigError(
        option,
        symmetric
          ? 'must hold only HS256/384/512 with "secret"'
          : 'may hold HS256/384/512 only together with "secret"',
      )
    }
  }
  return value as string[]
}

interface KeyConfig {
  jwksUri?: string | undefined
  keys?: IssuerConfig['keys']
  secret?: IssuerConfig['secret']
  algorithms?: Algorithm[] | undefined
}

/** Builds the key source and algorithm list for one issuer (or for all of them, when shared). */
export function resolveKeys(
  config: KeyConfig,
  prefix: string,
  issuer: string | null,
  fallbackAlgorithms: string[] | undefined,
  jwks: RemoteKeySetSettings,
): { keys: KeySource; algorithms: string[] } {
  const given = ['jwksUri', 'keys', 'secret'].filter((name) => config[name as keyof KeyConfig] !== undefined)
  if (given.length > 1) {
    throw new ConfigError(
      `${prefix}${given[1]}`,
      `cannot be combined with "${prefix}${given[0]}": one key source per issuer`,
    )
  }
  if (config.secret !== undefined) {
    const key = toSecretKey(config.secret, `${prefix}secret`)
    const keys = createSecretKeySource(key, `${prefix}secret`)
    const allowed = algorithmsForSecret(key)
    const algorithms = resolveAlgorithms(config.algorithms, `${prefix}algorithms`, true) ?? allowed
    const tooShort = algorithms.find((alg) => !allowed.includes(alg as never))
    if (tooShort) throw new ConfigError(`${prefix}secret`, `is too short for ${tooShort} (RFC 7518 §3.2)`)
    return { keys, algorithms }
  }
  const algorithms = resolveAlgorithms(config.algorithms, `${prefix}algorithms`, false) ??
    fallbackAlgorithms ?? [...DEFAULT_ALGORITHMS]
  if (config.keys !== undefined) return { keys: createStaticKeySet(config.keys, `${prefix}keys`), algorithms }
  if (config.jwksUri !== undefined) {
    const uri = parseKeyUrl(config.jwksUri, `${prefix}jwksUri`, jwks.allowHttpHosts).href
    return { keys: new RemoteKeySet(fixedJwksLocation(uri), jwks), algorithms }
  }
  if (issuer === null)
    throw new ConfigError('issuer', 'is null, so "jwksUri", "keys" or "secret" is required')
  parseKeyUrl(issuer, `${prefix}issuer`, jwks.allowHttpHosts)
  return { keys: new RemoteKeySet(new DiscoveredJwksLocation(issuer, jwks), jwks), algorithms }
}

/**
 * One issuer identifier. An entry names one issuer (keeping the first name of a list would silently drop
 * the others). A URL must have no query or fragment (RFC 8414 §2); any `?` or `#` counts, even the empty
 * query that `URL#search` hides.
 */
function issuerIdentifier(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new ConfigError(option, 'must be a non-empty string (one issuer per entry)')
  if (URL.canParse(value) && /[?#]/.test(value)) {
    throw new ConfigError(option, 'must not have a query or a fragment (RFC 8414 §2)')
  }
  return value
}

function isIssuerConfigList(value: unknown): value is IssuerConfig[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === 'object' && item !== null)
  )
}

export function resolveIssuers(
  options: VerifierOptions,
  jwks: RemoteKeySetSettings,
  templates: TenantTemplate[],
  build: KeyBuilder,
  clockTolerance: number,
): Map<string | null, TrustedIssuer> {
  const issuers = new Map<string | null, TrustedIssuer>()
  const topAlgorithms =
    options.secret === undefined ? resolveAlgorithms(options.algorithms, 'algorithms', false) : undefined
  const add = (entry: TrustedIssuer, option: string) => {
    if (issuers.has(entry.issuer)) throw new ConfigError(option, `lists "${entry.issuer}" twice`)
    issuers.set(entry.issuer, entry)
  }

  // One decryption option for the issuers named at the top level (with a list of configs, each has its own).
  const decryption = isIssuerConfigList(options.issuer)
    ? undefined
    : resolveDecryption(options.decryption, '')
  if (options.issuer === null) {
    if (options.introspection !== undefined)
      throw new ConfigError(
        'introspection',
        'needs an issuer identifier: it cannot be combined with "issuer: null"',
      )
    add({ issuer: null, ...resolveKeys(options, '', null, topAlgorithms, jwks), decryption }, 'issuer')
    return issuers
  }
  if (isIssuerConfigList(options.issuer)) {
    for (const name of ['jwksUri', 'keys', 'secret', 'decryption', 'introspection'] as const) {
      if (options[name] !== undefined) {
        throw new ConfigError(name, 'cannot be combined with a list of issuer configs: set it on each issuer')
      }
    }
    options.issuer.forEach((config, index) => {
      const prefix = `issuer[${index}].`
      rejectUnknown(config, KNOWN_ISSUER_CONFIG_OPTIONS, prefix)
      if (isIssuerTemplate(config.issuer))
        return void templates.push(resolveTenantTemplate(config, prefix, build))
      rejectTenantOptions(config, prefix)
      const issuer = issuerIdentifier(config.issuer, `${prefix}issuer`)
      const keys = resolveKeys(config, prefix, issuer, topAlgorithms, jwks)
      const decryption = resolveDecryption(config.decryption, prefix)
      const introspector = resolveIntrospection(config.introspection, prefix, issuer, jwks, clockTolerance)
      add({ issuer, ...keys, decryption, introspector }, `${prefix}issuer`)
    })
    return issuers
  }
  const names = nonEmptyStrings(options.issuer, 'issuer').map((name) => issuerIdentifier(name, 'issuer'))
  if (names.some(isIssuerTemplate))
    throw new ConfigError('issuer', 'holds "{tenantid}": put a template in an issuer config with "tenants"')
  const sharesKeys =
    options.jwksUri !== undefined || options.keys !== undefined || options.secret !== undefined
  // Explicit keys are one source shared by the listed issuers; otherwise each issuer discovers its own.
  const shared = sharesKeys ? resolveKeys(options, '', names[0] as string, topAlgorithms, jwks) : undefined
  // One introspection option for one issuer: with several, each needs its own client (an issuer config).
  if (options.introspection !== undefined && names.length > 1)
    throw new ConfigError(
      'introspection',
      'applies to one issuer: with several, set it in each issuer config',
    )
  for (const issuer of names) {
    const keys = shared ?? resolveKeys(options, '', issuer, topAlgorithms, jwks)
    const introspector = resolveIntrospection(options.introspection, '', issuer, jwks, clockTolerance)
    add({ issuer, ...keys, decryption, introspector }, 'issuer')
  }
  return issuers
}
