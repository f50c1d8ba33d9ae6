import {
  checkClaims,
  checkTimes,
  checkTokenType,
  RFC9068_REQUIRED_CLAIMS,
  type ClaimPolicy,
} from './claims.js'
import { deepFreeze } from './deep-freeze.js'
import { AuthError } from './errors.js'
import { toAuthError } from './map-error.js'
import type { VerifierOptions } from './options.js'
import { resolveOptions, type ResolvedOptions, type TrustedIssuer } from './resolve-options.js'
import { verifySignature } from './keys/verify-signature.js'
import { TokenCache, type CachedVerification, type TokenCacheStats } from './token-cache.js'
import { parseCompactToken } from './token-syntax.js'
import type { TokenHeader, TokenPayload, VerifiedToken } from './types.js'

/** Verifies bearer JWTs. Create one per API at start-up and share it: it owns the key and token caches. */
export interface Verifier {
  /**
   * Verifies a compact JWT: syntax, algorithm, signature, issuer, audience, times, type and your checks.
   * @throws AuthError with a stable `code`; `keys_unavailable` (503) when keys cannot be fetched.
   */
  verify(token: string): Promise<VerifiedToken>
  /**
   * The same verification, but the result itself, not a promise, when it is available at once: a token
   * served from the verified-token cache (with fresh keys and no `isRevoked` hook). Otherwise a promise.
   * Adapters use it to spare every cached request an asynchronous hop. May throw `AuthError` synchronously.
   */
  verifyNow(token: string): VerifiedToken | Promise<VerifiedToken>
  /** Counters of the verified-token cache (all zero when it is off). */
  cacheStats(): TokenCacheStats
  /** The `realm` of challenges, for adapters that build errors themselves. */
  readonly realm: string | undefined
}

const NO_CACHE_STATS: TokenCacheStats = Object.freeze({ hits: 0, misses: 0, size: 0, bytes: 0 })

function selectIssuer(config: ResolvedOptions, iss: unknown): TrustedIssuer {
  const anyIssuer = config.issuers.get(null)
  if (anyIssuer) return anyIssuer
  // The unverified `iss` only picks an entry of the allowlist; nothing is derived from it.
  const trusted = typeof iss === 'string' ? config.issuers.get(iss) : undefined
  if (!trusted) throw new AuthError('claim_invalid', { claim: 'iss' })
  return trusted
}

/**
 * Creates a verifier. Options are checked now: a bad option throws a `ConfigError` naming it. Nothing is
 * fetched until the first verification.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'https://api.example.com' })
 * const { payload } = await verifier.verify(token)
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const config = resolveOptions(options)
  const cache =
    config.cache === false ? undefined : new TokenCache(config.cache.maxEntries, config.cache.maxBytes)
  const policy: ClaimPolicy = {
    audience: config.audience ?? undefined,
    clockTolerance: config.clockTolerance,
    maxTokenAge: config.maxTokenAge,
    requiredClaims: config.accessTokenOnly
      ? [...new Set([...config.requiredClaims, ...RFC9068_REQUIRED_CLAIMS])]
      : config.requiredClaims,
    accessTokenOnly: config.accessTokenOnly,
  }

  async function checkRevocation(
    isRevoked: NonNullable<ResolvedOptions['isRevoked']>,
    result: VerifiedToken,
  ): Promise<void> {
    let revoked: boolean
    try {
      revoked = await isRevoked(result.payload as TokenPayload, result.header)
    } catch (cause) {
      // The revocation store is infrastructure: its failure is a 503, never a 401 nor a pass.
      throw new AuthError('revocation_unavailable', { cause })
    }
    if (revoked) throw new AuthError('token_revoked')
  }

  async function runValidate(
    validate: NonNullable<ResolvedOptions['validate']>,
    payload: TokenPayload,
    header: TokenHeader,
  ): Promise<void> {
    let verdict: boolean | void
    try {
      verdict = await validate(payload, header)
    } catch (cause) {
      throw cause instanceof AuthError ? cause : new AuthError('claim_invalid', { cause, claim: 'validate' })
    }
    if (verdict === false) throw new AuthError('claim_invalid', { claim: 'validate' })
  }

  async function verifyFully(token: string): Promise<VerifiedToken> {
    const { header, payload, segments } = parseCompactToken(token)
    const trusted = selectIssuer(config, payload.iss)
    const alg = header.alg as string
    // Cheap header rules first, so a token that cannot pass costs no key lookup or fetch.
    if (!trusted.algorithms.includes(alg)) throw new AuthError('algorithm_not_allowed')
    checkTokenType(header.typ, config.accessTokenOnly)
    const nowMs = config.now()
    const generation = trusted.keys.generation
    // A key resolved for this alg and kid before is used as is: no key search, no extra await.
    const key =
      trusted.keys.knownKey?.(alg, header.kid, nowMs) ??
      (await trusted.keys.getKey(header, {
        protected: segments[0],
        payload: segments[1],
        signature: segments[2],
      }))
    // The segments are canonical base64url (ASCII), so latin1 gives the exact signing input bytes.
    const signingInput = Buffer.from(token.slice(0, token.length - segments[2].length - 1), 'latin1')
    const valid = await verifySignature(alg, key, signingInput, Buffer.from(segments[2], 'base64url'))
    if (!valid) throw new AuthError('signature_invalid')
    const times = checkClaims(payload, trusted.issuer, nowMs, policy)
    if (config.validate) await runValidate(config.validate, payload as TokenPayload, header as TokenHeader)
    const result: VerifiedToken = deepFreeze({
      payload: payload as TokenPayload,
      header: header as TokenHeader,
      token,
    })
    if (cache) {
      const { exp } = times
      cache.set(
        token,
        { result, issuer: trusted, generation, ...times },
        exp === undefined ? undefined : exp * 1000 - nowMs + config.clockTolerance * 1000,
      )
    }
    return result
  }

  /** Serves a cache hit: its times re-checked against the clock now (`isRevoked` runs in `verifyLater`). */
  function serveCached(token: string, cached: CachedVerification, nowMs: number): VerifiedToken {
    try {
      checkTimes(cached, nowMs, policy)
    } catch (error) {
      cache?.delete(token)
      throw error
    }
    return cached.result
  }

  /** The rest of a verification once it needs to wait: a key refresh, a full verification, `isRevoked`. */
  async function verifyLater(
    token: string,
    cached: CachedVerification | undefined,
    refreshing?: Promise<void>,
  ) {
    let result: VerifiedToken | undefined
    try {
      if (cached !== undefined) {
        if (refreshing !== undefined) await refreshing
        if (cache?.isCurrent(cached)) result = serveCached(token, cached, config.now())
        else cache?.invalidate(token)
      }
      result ??= await verifyFully(token)
      // Revocation is never cached: it runs on every request, hit or miss.
      if (config.isRevoked) await checkRevocation(config.isRevoked, result)
      return result
    } catch (error) {
      throw toAuthError(error).withRealm(config.realm)
    }
  }

  function verifyNow(token: string): VerifiedToken | Promise<VerifiedToken> {
    try {
      if (typeof token !== 'string' || token.length === 0 || token.length > config.maxTokenLength) {
        throw new AuthError('token_malformed')
      }
      const cached = cache?.get(token)
      if (cached === undefined) return verifyLater(token, undefined)
      const nowMs = config.now()
      // A hit never reaches the key source, so it keeps the JWK Set fresh here; usually a no-op.
      const refreshing = cached.issuer.keys.freshen?.(nowMs)
      if (refreshing !== undefined || config.isRevoked) return verifyLater(token, cached, refreshing)
      return serveCached(token, cached, nowMs)
    } catch (error) {
      throw toAuthError(error).withRealm(config.realm)
    }
  }

  return {
    // An async wrapper, so that even a synchronous failure of verifyNow becomes a rejection.
    verify: async (token) => verifyNow(token),
    verifyNow,
    cacheStats: () => cache?.stats() ?? NO_CACHE_STATS,
    realm: config.realm,
  }
}
