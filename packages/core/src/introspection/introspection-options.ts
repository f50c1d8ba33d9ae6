import { ConfigError } from '../errors.js'
import type { RemoteKeySetSettings } from '../jwks/remote-key-set.js'
import { number, rejectUnknown } from '../option-checks.js'
import { parseKeyUrl } from '../url-policy.js'
import { createClientAuthentication } from './client-authentication.js'
import type { IntrospectionOptions } from './introspection-types.js'
import { Introspector } from './introspector.js'

const KNOWN_INTROSPECTION_OPTIONS = new Set([
  'endpoint',
  'clientId',
  'clientSecret',
  'authMethod',
  'privateKey',
  'tokens',
  'cache',
  'signedResponse',
  'requiredClaims',
  'timeout',
  'maxResponseBytes',
  'maxInFlight',
])
const KNOWN_CACHE_OPTIONS = new Set(['ttl', 'maxEntries', 'maxBytes'])
const AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])

function resolveCache(value: unknown, prefix: string) {
  if (value === undefined || value === false) return undefined
  if (value !== true && (typeof value !== 'object' || value === null))
    throw new ConfigError(`${prefix}cache`, 'must be a boolean or an object { ttl, maxEntries }')
  const cache = value === true ? {} : (value as { ttl?: unknown; maxEntries?: unknown; maxBytes?: unknown })
  rejectUnknown(cache, KNOWN_CACHE_OPTIONS, `${prefix}cache.`)
  return {
    ttlMs: number(cache.ttl, `${prefix}cache.ttl`, 30, 1, 86_400) * 1000,
    maxEntries: number(cache.maxEntries, `${prefix}cache.maxEntries`, 10_000, 1, 10_000_000),
    maxBytes: number(cache.maxBytes, `${prefix}cache.maxBytes`, 16 * 1024 * 1024, 1024),
  }
}

/**
 * Checks one issuer's `introspection` option at start-up and builds its {@link Introspector}, or returns
 * `undefined` when the option is absent. `prefix` names the option in errors (`issuer[0].introspection.`).
 */
export function resolveIntrospection(
  value: IntrospectionOptions | undefined,
  prefix: string,
  issuer: string,
  jwks: RemoteKeySetSettings,
  clockTolerance: number,
): Introspector | undefined {
  if (value === undefined) return undefined
  const option = `${prefix}introspection`
  if (typeof value !== 'object' || value === null) throw new ConfigError(option, 'must be an object')
  const at = `${option}.`
  rejectUnknown(value, KNOWN_INTROSPECTION_OPTIONS, at)
  if (typeof value.clientId !== 'string' || value.clientId.length === 0)
    throw new ConfigError(`${at}clientId`, 'is required (a non-empty string)')
  const authMethod = value.authMethod ?? 'client_secret_basic'
  if (!AUTH_METHODS.has(authMethod))
    throw new ConfigError(`${at}authMethod`, `must be one of ${[...AUTH_METHODS].join(', ')}`)
  const tokens = value.tokens ?? 'opaque'
  if (tokens !== 'opaque' && tokens !== 'all')
    throw new ConfigError(`${at}tokens`, 'must be "opaque" or "all"')
  if (value.signedResponse !== undefined && typeof value.signedResponse !== 'boolean')
    throw new ConfigError(`${at}signedResponse`, 'must be a boolean')
  const required = value.requiredClaims
  if (required !== undefined && (!Array.isArray(required) || !required.every((c) => typeof c === 'string')))
    throw new ConfigError(`${at}requiredClaims`, 'must be an array of claim names')
  // Same rules as a configured JWK Set URL: the token and this API's credentials travel there.
  const endpoint =
    value.endpoint === undefined
      ? undefined
      : parseKeyUrl(value.endpoint, `${at}endpoint`, jwks.allowHttpHosts).href
  return new Introspector(issuer, {
    endpoint,
    clientId: value.clientId,
    tokens,
    cache: resolveCache(value.cache, at),
    signedResponse: value.signedResponse ?? false,
    requiredClaims: required === undefined ? undefined : [...required],
    maxInFlight: number(value.maxInFlight, `${at}maxInFlight`, 64, 1, 100_000),
    timeout: number(value.timeout, `${at}timeout`, jwks.timeout, 1, 120_000),
    maxBytes: number(value.maxResponseBytes, `${at}maxResponseBytes`, 64 * 1024, 1, 16 * 1024 * 1024),
    fetch: jwks.fetch,
    now: jwks.now,
    clockTolerance,
    authenticate: createClientAuthentication(
      {
        authMethod,
        clientId: value.clientId,
        clientSecret: value.clientSecret,
        privateKey: value.privateKey,
        issuer,
        now: jwks.now,
      },
      at,
    ),
    discovery: {
      timeout: jwks.timeout,
      maxBytes: jwks.maxBytes,
      fetch: jwks.fetch,
      allowHttpHosts: jwks.allowHttpHosts,
    },
  })
}
