import { readBinding, type BindingMethod } from './binding.js'
import {
  checkClaims,
  checkTimes,
  checkTokenType,
  RFC9068_REQUIRED_CLAIMS,
  type ClaimPolicy,
} from './claims.js'
import { deepFreeze } from './deep-freeze.js'
import { verifyChannel, type VerifyMessage } from './diagnostics.js'
import { AuthError, explain, type ReasonDetails } from './errors.js'
import type { IntrospectingIssuer } from './introspection/opaque-token-route.js'
import {
  verifyIntrospected,
  verifyOpaque,
  type IntrospectionContext,
} from './introspection/verify-introspected.js'
import type { RequestFacts } from './request-facts.js'
import type { Verifier, VerifyOptions } from './verifier.js'
import { openEncryptedToken } from './jwe/decrypt-token.js'
import { checkProtection, isEncrypted } from './jwe/nested-token.js'
import { verifySignature } from './keys/verify-signature.js'
import { toAuthError } from './map-error.js'
import type { VerifierOptions } from './options.js'
import { loadKeys } from './ready.js'
import { safeText } from './reason.js'
import {
  algorithmNotAllowed,
  headerDetails,
  lookUpKey,
  signatureInvalid,
  untrustedIssuer,
} from './refusals.js'
import { resolveOptions, type ResolvedOptions, type TrustedIssuer } from './resolve-options.js'
import { createRevocationCheck } from './revocation/check-revocation.js'
import { TokenCache, type CachedVerification, type TokenCacheStats } from './token-cache.js'
import { tokenId } from './token-id.js'
import { isJwtShaped, parseCompactToken } from './token-syntax.js'
import type { TokenHeader, TokenPayload, VerifiedToken } from './types.js'
import { checkRevocation, runValidate } from './verification-hooks.js'
import { traceVerification } from './verify-tracing.js'

export type { Verifier, VerifyOptions } from './verifier.js'

/** The binding methods the caller of one verification checks itself. */
type Checked = readonly BindingMethod[] | undefined

/** The request, when an adapter verifies (for `selectIntrospectionIssuer`). */
type Facts = RequestFacts | undefined

const NO_CACHE_STATS: TokenCacheStats = Object.freeze({ hits: 0, misses: 0, size: 0, bytes: 0 })

function selectIssuer(
  config: ResolvedOptions,
  iss: unknown,
  payload: Record<string, unknown>,
): TrustedIssuer | Promise<TrustedIssuer> {
  const anyIssuer = config.issuers.get(null)
  if (anyIssuer) return anyIssuer
  // The unverified `iss` only picks an entry of the allowlist; nothing is derived from it.
  const trusted = typeof iss === 'string' ? config.issuers.get(iss) : undefined
  if (trusted) return trusted
  // Not listed: a tenant of an issuer template, or an issuer `resolveIssuer` vouches for (issuers/).
  if (config.directory)
    return (
      config.directory.selectKnown(iss, payload) ??
      config.directory
        .select(iss, payload)
        .then((found) => found ?? Promise.reject(untrustedIssuer(config, iss)))
    )
  throw untrustedIssuer(config, iss)
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
  const revocation = config.revocation && createRevocationCheck(config.revocation)
  const policy: ClaimPolicy = {
    audience: config.audience ?? undefined,
    clockTolerance: config.clockTolerance,
    maxTokenAge: config.maxTokenAge,
    requiredClaims: config.accessTokenOnly
      ? [...new Set([...config.requiredClaims, ...RFC9068_REQUIRED_CLAIMS])]
      : config.requiredClaims,
    accessTokenOnly: config.accessTokenOnly,
  }

  const introspected: IntrospectionContext = { config, policy, revocation }

  async function verifyFully(token: string, checked: Checked, facts: Facts): Promise<VerifiedToken> {
    if (config.introspection !== undefined && !isJwtShaped(token))
      return verifyOpaque(token, checked, facts, introspected)
    // An encrypted token (nested JWT) is opened first; the signed JWT inside is verified as any other.
    const opened =
      config.decryption !== undefined && isEncrypted(token)
        ? await openEncryptedToken(token, config.decryption)
        : undefined
    const jws = opened === undefined ? token : opened.jws
    const { header, payload, segments } = parseCompactToken(jws)
    const selected = selectIssuer(config, payload.iss, payload)
    const trusted = selected instanceof Promise ? await selected : selected
    if (opened !== undefined || trusted.decryption !== undefined)
      checkProtection(opened, trusted, payload.iss)
    // Cheap header rules first, so a token that cannot pass costs no key lookup or fetch. `typ` also for
    // a JWT that is introspected: a logout or ID token is no access token whatever its issuer says.
    checkTokenType(header.typ, config.accessTokenOnly)
    // `introspection.tokens: 'all'`: the issuer's own answer replaces the local verification.
    if (trusted.introspector?.settings.tokens === 'all')
      return verifyIntrospected(token, trusted as IntrospectingIssuer, checked, introspected)
    const alg = header.alg as string
    if (!trusted.algorithms.includes(alg)) throw algorithmNotAllowed(alg, trusted)
    const nowMs = config.now()
    // Read before the key lookup, for the cache entry only: a rotation during this call leaves it stale.
    const generation = cache === undefined ? 0 : trusted.keys.generation
    // A key resolved for this alg and kid before is used as is: no key search, no extra await.
    const key =
      trusted.keys.knownKey?.(alg, header.kid, nowMs) ?? (await lookUpKey(trusted, header, segments))
    // The segments are canonical base64url (ASCII), so latin1 gives the exact signing input bytes.
    const signingInput = Buffer.from(jws.slice(0, jws.length - segments[2].length - 1), 'latin1')
    const valid = await verifySignature(alg, key, signingInput, Buffer.from(segments[2], 'base64url'))
    if (!valid) throw signatureInvalid(header, trusted)
    const times = checkClaims(payload, trusted.issuer, nowMs, policy)
    // A provider profile's mandatory checks (profiles/): before `validate`, which cannot replace them.
    config.profile?.check(payload)
    // Before the cache: a token bound in a way this caller cannot check is never stored.
    readBinding(payload, checked)
    revocation?.checkLifetime(times)
    if (config.validate) await runValidate(config.validate, payload as TokenPayload, header as TokenHeader)
    const result: VerifiedToken = { payload: payload as TokenPayload, header: header as TokenHeader, token }
    if (opened !== undefined) (result as { encryption: object }).encryption = opened.encryption
    // The walk that freezes the result also weighs it: the cache's charge costs no second pass.
    const resultBytes = deepFreeze(result)
    if (cache) {
      const { exp, nbf, iat } = times
      // Members named rather than spread: a spread after other members copies through a generic builtin.
      cache.set(
        token,
        { result, issuer: trusted, generation, exp, nbf, iat },
        exp === undefined ? undefined : exp * 1000 - nowMs + config.clockTolerance * 1000,
        resultBytes,
      )
    }
    return result
  }

  /**
   * Adds to a refusal what the operator needs to find it: the token's id, and — when its header and claims
   * decode — the issuer, `kid` and `alg`. Runs on failures only, so the token is decoded again here rather
   * than carried through the hot path.
   */
  function fail(error: unknown, token: unknown): AuthError {
    const failure = toAuthError(error)
    if (typeof token !== 'string' || token === '') return failure.withRealm(config.realm)
    let details: ReasonDetails = { tokenId: tokenId(token) }
    try {
      const { header, payload } = parseCompactToken(token)
      details = { ...details, ...headerDetails(header) }
      if (typeof payload.iss === 'string') details = { ...details, issuer: safeText(payload.iss) }
    } catch {
      // A token that does not decode has nothing more to say.
    }
    return explain(failure, details).withRealm(config.realm)
  }

  /**
   * Serves a cache hit: its times re-checked against the clock now, and its binding against what this
   * caller checks (revocation is checked by the caller).
   */
  function serveCached(
    token: string,
    cached: CachedVerification,
    nowMs: number,
    checked: Checked,
  ): VerifiedToken {
    try {
      checkTimes(cached, nowMs, policy)
    } catch (error) {
      cache?.delete(token)
      throw error
    }
    readBinding(cached.result.payload, checked)
    return cached.result
  }

  /** The rest of a verification once it needs to wait: a key refresh, a full verification, `isRevoked`. */
  async function verifyLater(
    token: string,
    cached: CachedVerification | undefined,
    refreshing: Promise<void> | undefined,
    trace: VerifyMessage | undefined,
    checked: Checked,
    facts: Facts,
  ) {
    let result: VerifiedToken | undefined
    try {
      if (cached !== undefined) {
        if (refreshing !== undefined) await refreshing
        if (cache?.isCurrent(cached)) {
          result = serveCached(token, cached, config.now(), checked)
          if (trace) trace.cached = true
        } else cache?.invalidate(token)
      }
      result ??= await verifyFully(token, checked, facts)
      // Revocation is never cached: it runs on every request, hit or miss. The store first, then the hook.
      if (revocation) await revocation.check(result.payload)
      if (config.isRevoked) await checkRevocation(config.isRevoked, result)
      return result
    } catch (error) {
      throw fail(error, token)
    }
  }

  /** `trace` is the event context when someone subscribes to `tokenguard:verify`, else `undefined`. */
  function verifyNow(
    token: string,
    trace: VerifyMessage | undefined,
    checked: Checked,
    facts: Facts,
  ): VerifiedToken | Promise<VerifiedToken> {
    try {
      if (typeof token !== 'string' || token.length === 0 || token.length > config.maxTokenLength) {
        throw new AuthError('token_malformed', {
          reason: {
            message:
              typeof token !== 'string'
                ? `the token is a ${typeof token}, not a string`
                : `the token is ${token.length} characters long (1 to maxTokenLength ${config.maxTokenLength})`,
            ...(typeof token === 'string' ? { actual: token.length, expected: config.maxTokenLength } : {}),
          },
        })
      }
      const cached = cache?.get(token)
      if (cached === undefined) return verifyLater(token, undefined, undefined, trace, checked, facts)
      const nowMs = config.now()
      // A hit never reaches the key source, so it keeps the JWK Set fresh here; usually a no-op.
      const refreshing = cached.issuer.keys.freshen?.(nowMs)
      if (refreshing !== undefined || config.isRevoked)
        return verifyLater(token, cached, refreshing, trace, checked, facts)
      const result = serveCached(token, cached, nowMs, checked)
      if (trace) trace.cached = true
      // A store that answers at once keeps the hit synchronous; only a promise is waited for.
      const pending = revocation?.check(result.payload)
      if (pending === undefined) return result
      return pending.then(
        () => result,
        (error: unknown) => {
          throw fail(error, token)
        },
      )
    } catch (error) {
      // Oversized tokens are not hashed: their id would only cost CPU for an attacker's garbage.
      throw fail(
        error,
        typeof token === 'string' && token.length <= config.maxTokenLength ? token : undefined,
      )
    }
  }

  /** The public entry: traced only while `tokenguard:verify` has a subscriber, else no cost at all. */
  function verifyNowTraced(token: string, options?: VerifyOptions): VerifiedToken | Promise<VerifiedToken> {
    const checked = options?.bindingsCheckedByCaller
    const facts = options?.facts
    return verifyChannel.hasSubscribers
      ? traceVerification(token, (traced, trace) => verifyNow(traced, trace, checked, facts))
      : verifyNow(token, undefined, checked, facts)
  }

  return {
    // Even a synchronous failure of verifyNow becomes a rejection. Not an async wrapper: resolving its
    // promise with verifyNow's would cost every uncached verification a second promise and two microtasks.
    verify: (token, options) => {
      try {
        const outcome = verifyNowTraced(token, options)
        return outcome instanceof Promise ? outcome : Promise.resolve(outcome)
      } catch (error) {
        return Promise.reject(error)
      }
    },
    verifyNow: verifyNowTraced,
    ready: () => loadKeys(config),
    cacheStats: () => cache?.stats() ?? NO_CACHE_STATS,
    forgetIssuer: (iss) => config.directory?.forget(iss) ?? false,
    realm: config.realm,
    needsRequestFacts: config.introspection?.selects ?? false,
    audience: config.audience === null ? null : Object.freeze([...config.audience]),
  }
}
