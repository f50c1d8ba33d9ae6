import type { BindingMethod } from './binding.js'
import type { RequestFacts } from './request-facts.js'
import type { TokenCacheStats } from './token-cache.js'
import type { VerifiedToken } from './types.js'

/** Options of one verification. */
export interface VerifyOptions {
  /**
   * The proofs of possession the caller checks itself after this verification: a token bound by one of
   * these methods (`cnf.jkt` for `'dpop'`, `cnf["x5t#S256"]` for `'mtls'`) is then returned rather than
   * refused, and **the caller must compare its `cnf` to the proof**. The adapters' authenticator does.
   * Default: none, so every token with a `cnf` claim is refused (`binding_unverified`).
   */
  bindingsCheckedByCaller?: readonly BindingMethod[]
  /**
   * The request this token came with, passed by adapters when `verifier.needsRequestFacts` is `true`, for
   * `selectIntrospectionIssuer`.
   */
  facts?: RequestFacts
}

/** Verifies bearer JWTs. Create one per API at start-up and share it: it owns the key and token caches. */
export interface Verifier {
  /**
   * Verifies a compact JWT: syntax, algorithm, signature, issuer, audience, times, type and your checks;
   * or, for an issuer with `introspection`, asks its endpoint about an opaque token (RFC 7662) and holds the
   * answer to the same claim checks.
   * @throws AuthError with a stable `code`; `keys_unavailable` (503) when keys cannot be fetched.
   */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedToken>
  /**
   * The same verification, but the result itself, not a promise, when it is available at once: a token
   * served from the verified-token cache (with fresh keys, no `isRevoked` hook, and a `revocation` store that
   * answers synchronously, as the memory store does). Otherwise a promise.
   * Adapters use it to spare every cached request an asynchronous hop. May throw `AuthError` synchronously.
   */
  verifyNow(token: string, options?: VerifyOptions): VerifiedToken | Promise<VerifiedToken>
  /** Counters of the verified-token cache (all zero when it is off). */
  cacheStats(): TokenCacheStats
  /**
   * Runs discovery and the first JWK Set fetch of every configured issuer now, for a readiness probe or
   * to fail fast on a wrong issuer. Resolves once every issuer has keys (static keys and secrets at once);
   * rejects with a `NotReadyError` naming each issuer URL and the cause. Adapters never call it: an
   * identity-provider outage at boot must not become a crash loop.
   *
   * @example
   * ```ts
   * app.get('/ready', async (_req, res) => {
   *   try {
   *     await verifier.ready()
   *     res.sendStatus(204)
   *   } catch (error) {
   *     logger.warn(error.message)
   *     res.sendStatus(503)
   *   }
   * })
   * ```
   */
  ready(): Promise<void>
  /**
   * Forgets what the verifier learnt about `iss` from an issuer template or `resolveIssuer` (trusted or
   * refused), e.g. for an off-boarded tenant: its next token asks again, and its tokens in the
   * verified-token cache are verified again. Returns whether anything was known. Listed issuers stay.
   */
  forgetIssuer(iss: string): boolean
  /** The `realm` of challenges, for adapters that build errors themselves. */
  readonly realm: string | undefined
  /** `true` when `selectIntrospectionIssuer` is set: adapters then pass `facts` to `verifyNow`. */
  readonly needsRequestFacts: boolean
  /**
   * The audiences a token must name (one of them in `aud`), or `null` when the audience check is skipped
   * (`audience: null`). Read by `resource` next to a shared verifier, which refuses `null`.
   */
  readonly audience: readonly string[] | null
}
