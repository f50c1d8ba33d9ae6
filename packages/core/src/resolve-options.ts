import { ConfigError } from './errors.js'
import type { KeySource } from './keys/key-source.js'
import type { VerifierOptions } from './options.js'
import { resolveAllowHttpHosts } from './url-policy.js'
import { resolveRevocationStore } from './revocation/check-revocation.js'
import type { RevocationStore } from './revocation/revocation-store.js'
import { createDecryptionKeyring, type DecryptionKeyring } from './jwe/decryption-keys.js'
import { type IssuerDecryption } from './jwe/decryption-options.js'
import { createIssuerDirectory, type IssuerDirectory } from './issuers/issuer-directory.js'
import { resolveIssuerCache, type KeyBuilder, type TenantTemplate } from './issuers/issuer-options.js'
import { resolveProfile, type ProviderProfile } from './profiles/profile.js'
import type { Introspector } from './introspection/introspector.js'
import { resolveOpaqueTokenRoute, type OpaqueTokenRoute } from './introspection/opaque-token-route.js'

import { nonEmptyStrings, number, optionalFunction, rejectUnknown } from './option-checks.js'
import { resolveAlgorithms, resolveIssuers, resolveJwksSettings, resolveKeys } from './resolve-issuers.js'

/** One trusted issuer, ready to verify with. */
export interface TrustedIssuer {
  /** The exact `iss`, or `null` when any issuer is accepted. */
  issuer: string | null
  keys: KeySource
  algorithms: readonly string[]
  /** Its `decryption` option: keys that open its encrypted tokens. */
  decryption?: IssuerDecryption | undefined
  /** Set when this issuer's tokens (opaque ones, or all) are introspected (RFC 7662). */
  introspector?: Introspector | undefined
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
  /** Every issuer's decryption keys, or `undefined` when no issuer has any (five-segment tokens refused). */
  decryption: DecryptionKeyring | undefined
  /** Issuers found at run time (templates, `resolveIssuer`), or `undefined` when every issuer is listed. */
  directory: IssuerDirectory | undefined
  /** The mandatory checks of a provider profile, or `undefined`. */
  profile: ProviderProfile | undefined
  /** Where opaque tokens go: `undefined` when no issuer introspects (they are then malformed JWTs). */
  introspection: OpaqueTokenRoute | undefined
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
  'decryption',
  'resolveIssuer',
  'issuerCache',
  'profile',
  'introspection',
  'selectIntrospectionIssuer',
])

const KNOWN_CACHE_OPTIONS = new Set(['maxEntries', 'maxBytes'])
const MAX_CLOCK_TOLERANCE_SECONDS = 300

/** Validates every option once, at start-up, and resolves the defaults. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  rejectUnknown(options, KNOWN_OPTIONS, '')
  const resolver = optionalFunction(options.resolveIssuer, 'resolveIssuer')
  if (options.issuer === undefined && resolver === undefined)
    throw new ConfigError('issuer', 'is required (null accepts any issuer)')
  if (options.issuer === null && resolver !== undefined)
    throw new ConfigError('resolveIssuer', 'cannot be combined with "issuer: null" (any issuer is accepted)')
  if (options.audience === undefined)
    throw new ConfigError('audience', 'is required (null skips the audience check)')
  const now = optionalFunction(options.now, 'now') ?? Date.now
  const clockTolerance = number(options.clockTolerance, 'clockTolerance', 5, 0, MAX_CLOCK_TOLERANCE_SECONDS)
  const jwks = resolveJwksSettings(options.jwks, now, resolveAllowHttpHosts(options.allowHttpHosts))
  const topAlgorithms =
    options.secret === undefined ? resolveAlgorithms(options.algorithms, 'algorithms', false) : undefined
  const build: KeyBuilder = (keyConfig, prefix, issuer) =>
    resolveKeys(keyConfig, prefix, issuer, topAlgorithms, jwks)
  const templates: TenantTemplate[] = []
  // With a resolver, no issuer listed (omitted, or `[]` for TypeScript) is fine.
  const listsNone =
    options.issuer === undefined || (Array.isArray(options.issuer) && options.issuer.length === 0)
  const issuers =
    resolver !== undefined && listsNone
      ? new Map()
      : resolveIssuers(options, jwks, templates, build, clockTolerance)
  const issuerCache = resolveIssuerCache(options.issuerCache)
  const directory =
    templates.length > 0 || resolver !== undefined
      ? createIssuerDirectory({ templates, resolver, cache: issuerCache, build, now })
      : undefined

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
  const decryption = createDecryptionKeyring(issuers.values())
  if (options.introspection !== undefined && resolver !== undefined && listsNone)
    throw new ConfigError('introspection', 'needs an issuer identifier: set it in an issuer config')

  return {
    issuers,
    audience: options.audience === null ? null : nonEmptyStrings(options.audience, 'audience'),
    clockTolerance,
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
    // A nested token is about 4/3 of its signed JWT plus ~350 characters.
    maxTokenLength: number(
      options.maxTokenLength,
      'maxTokenLength',
      decryption ? 16_384 : 8192,
      16,
      1024 * 1024,
    ),
    realm: options.realm,
    decryption,
    directory,
    profile: resolveProfile(options),
    introspection: resolveOpaqueTokenRoute(issuers, options.selectIntrospectionIssuer),
  }
}
