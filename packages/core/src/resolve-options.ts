import { ConfigError } from './errors.js'
import { DEFAULT_ALGORITHMS, isSymmetric, SUPPORTED_ALGORITHMS } from './algorithms.js'
import { DiscoveredJwksLocation } from './jwks/discovery.js'
import { fixedJwksLocation } from './jwks/jwks-location.js'
import { RemoteKeySet, type RemoteKeySetSettings } from './jwks/remote-key-set.js'
import type { KeySource } from './keys/key-source.js'
import { algorithmsForSecret, createSecretKeySource, toSecretKey } from './keys/secret-key.js'
import { createStaticKeySet } from './keys/static-key-set.js'
import type { Algorithm, IssuerConfig, JwksOptions, VerifierOptions } from './options.js'
import { parseKeyUrl, resolveAllowHttpHosts } from './url-policy.js'
import { resolveRevocationStore } from './revocation/check-revocation.js'
import type { RevocationStore } from './revocation/revocation-store.js'

/** One trusted issuer, ready to verify with. */
export interface TrustedIssuer {
  /** The exact `iss`, or `null` when any issuer is accepted. */
  issuer: string | null
  keys: KeySource
  algorithms: readonly string[]
}

export interface ResolvedOptions {
  /** Issuers by `iss`; the `null` key holds the single entry of `issuer: null`. */
  issuers: ReadonlyMap<string | null, TrustedIssuer>
  audience: string[] | null
  clockTolerance: number
  maxTokenAge: number | undefined
  requiredClaims: string[]
  accessTokenOnly: boolean
  validate: VerifierOptions['validate']
  isRevoked: VerifierOptions['isRevoked']
  revocation: RevocationStore | undefined
  cache: { maxEntries: number; maxBytes: number } | false
  now: () => number
  maxTokenLength: number
  realm: string | undefined
}

const KNOWN_OPTIONS = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'keys',
  'secret',
  'algorithms',
  'clockTolerance',
  'maxTokenAge',
  'requiredClaims',
  'tokenType',
  'validate',
  'isRevoked',
  'revocation',
  'jwks',
  'cache',
  'now',
  'maxTokenLength',
  'realm',
  'allowHttpHosts',
])

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
const KNOWN_CACHE_OPTIONS = new Set(['maxEntries', 'maxBytes'])
const KNOWN_ISSUER_CONFIG_OPTIONS = new Set(['issuer', 'jwksUri', 'keys', 'secret', 'algorithms'])

const MAX_CLOCK_TOLERANCE_SECONDS = 300

/** A misspelt option (`jwks.timout`) would otherwise silently fall back to its default. */
function rejectUnknown(value: object, known: ReadonlySet<string>, prefix: string): void {
  for (const name of Object.keys(value)) {
    if (!known.has(name)) throw new ConfigError(`${prefix}${name}`, 'is not a known option')
  }
}

function number(
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(option, `must be a number from ${min} to ${max}`)
  }
  return value
}

function nonEmptyStrings(value: unknown, option: string): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((item) => typeof item === 'string' && item.length > 0)) {
    throw new ConfigError(option, 'must be a non-empty string or a non-empty array of non-empty strings')
  }
  return list as string[]
}

function optionalFunction<T>(value: T, option: string): T {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(option, 'must be a function')
  return value
}

function resolveJwksSettings(
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

function resolveAlgorithms(value: unknown, option: string, symmetric: boolean): string[] | undefined {
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
function resolveKeys(
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

function resolveIssuers(
  options: VerifierOptions,
  jwks: RemoteKeySetSettings,
): Map<string | null, TrustedIssuer> {
  const issuers = new Map<string | null, TrustedIssuer>()
  const topAlgorithms =
    options.secret === undefined ? resolveAlgorithms(options.algorithms, 'algorithms', false) : undefined
  const add = (entry: TrustedIssuer, option: string) => {
    if (issuers.has(entry.issuer)) throw new ConfigError(option, `lists "${entry.issuer}" twice`)
    issuers.set(entry.issuer, entry)
  }

  if (options.issuer === null) {
    add({ issuer: null, ...resolveKeys(options, '', null, topAlgorithms, jwks) }, 'issuer')
    return issuers
  }
  if (isIssuerConfigList(options.issuer)) {
    for (const name of ['jwksUri', 'keys', 'secret'] as const) {
      if (options[name] !== undefined) {
        throw new ConfigError(name, 'cannot be combined with a list of issuer configs: set it on each issuer')
      }
    }
    options.issuer.forEach((config, index) => {
      const prefix = `issuer[${index}].`
      rejectUnknown(config, KNOWN_ISSUER_CONFIG_OPTIONS, prefix)
      const issuer = issuerIdentifier(config.issuer, `${prefix}issuer`)
      add({ issuer, ...resolveKeys(config, prefix, issuer, topAlgorithms, jwks) }, `${prefix}issuer`)
    })
    return issuers
  }
  const names = nonEmptyStrings(options.issuer, 'issuer').map((name) => issuerIdentifier(name, 'issuer'))
  const sharesKeys =
    options.jwksUri !== undefined || options.keys !== undefined || options.secret !== undefined
  // Explicit keys are one source shared by the listed issuers; otherwise each issuer discovers its own.
  const shared = sharesKeys ? resolveKeys(options, '', names[0] as string, topAlgorithms, jwks) : undefined
  for (const issuer of names)
    add({ issuer, ...(shared ?? resolveKeys(options, '', issuer, topAlgorithms, jwks)) }, 'issuer')
  return issuers
}

/** Validates every option once, at start-up, and resolves the defaults. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  rejectUnknown(options, KNOWN_OPTIONS, '')
  if (options.issuer === undefined) throw new ConfigError('issuer', 'is required (null accepts any issuer)')
  if (options.audience === undefined)
    throw new ConfigError('audience', 'is required (null skips the audience check)')
  const now = optionalFunction(options.now, 'now') ?? Date.now
  const jwks = resolveJwksSettings(options.jwks, now, resolveAllowHttpHosts(options.allowHttpHosts))
  const issuers = resolveIssuers(options, jwks)

  const requiredClaims = options.requiredClaims === undefined ? ['exp'] : options.requiredClaims
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((claim) => typeof claim === 'string')) {
    throw new ConfigError('requiredClaims', 'must be an array of claim names')
  }
  if (options.tokenType !== undefined && options.tokenType !== 'at+jwt') {
    throw new ConfigError('tokenType', 'must be "at+jwt" or left out')
  }
  const cache = options.cache
  if (cache !== undefined && cache !== false && (typeof cache !== 'object' || cache === null)) {
    throw new ConfigError('cache', 'must be false or an object')
  }
  if (cache) rejectUnknown(cache, KNOWN_CACHE_OPTIONS, 'cache.')
  if (options.realm !== undefined && typeof options.realm !== 'string')
    throw new ConfigError('realm', 'must be a string')

  return {
    issuers,
    audience: options.audience === null ? null : nonEmptyStrings(options.audience, 'audience'),
    clockTolerance: number(options.clockTolerance, 'clockTolerance', 5, 0, MAX_CLOCK_TOLERANCE_SECONDS),
    maxTokenAge:
      options.maxTokenAge === undefined ? undefined : number(options.maxTokenAge, 'maxTokenAge', 0, 1),
    requiredClaims,
    accessTokenOnly: options.tokenType === 'at+jwt',
    validate: optionalFunction(options.validate, 'validate'),
    isRevoked: optionalFunction(options.isRevoked, 'isRevoked'),
    revocation: resolveRevocationStore(options.revocation),
    cache:
      cache === false
        ? false
        : {
            maxEntries: number(cache?.maxEntries, 'cache.maxEntries', 10_000, 1),
            maxBytes: number(cache?.maxBytes, 'cache.maxBytes', 32 * 1024 * 1024, 1024),
          },
    now,
    maxTokenLength: number(options.maxTokenLength, 'maxTokenLength', 8192, 16, 1024 * 1024),
    realm: options.realm,
  }
}
