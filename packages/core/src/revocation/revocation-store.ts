/**
 * The revocation store contract: what the verifier reads on every request, and what an administrator (or a
 * log-out endpoint) writes. Small on purpose, so that a store shared by a fleet (Redis, a database with a
 * local view kept current by pub/sub) implements it as easily as the in-memory default.
 */

/**
 * The margin an entry outlives the token it revokes, in seconds: the largest `clockTolerance` a verifier
 * accepts. A token stays acceptable until its `exp` plus the verifier's tolerance, and a store shared by
 * several verifiers cannot know which tolerance each of them uses.
 */
export const REVOCATION_MARGIN_SECONDS = 300

/**
 * Revokes one token, found by its `jti` (RFC 7519 §4.1.7).
 *
 * The entry is kept until `exp` plus 300 s (the largest `clockTolerance` a verifier accepts), after which
 * the token is expired for every verifier. An `exp` later than the store's `maxTokenLifetime` plus 300 s
 * from now is shortened to that: no token a verifier reading the store accepts now can expire later.
 */
export interface TokenRevocation {
  /** The token's `jti`. */
  jti: string
  /** The token's `exp`, in NumericDate seconds. Pass the token's own `exp` (or a later time), never less. */
  exp: number
  /**
   * The token's `iss`: the entry then revokes only that issuer's token with this `jti`. Default: the
   * entry applies to every issuer.
   */
  iss?: string
}

/**
 * Revokes every token of one subject issued before a time ("log out everywhere"): every token whose `sub`
 * is `sub` and whose `iat` is before `before` (strictly: a token with `iat` equal to `before` stays
 * valid). A token of that subject without `iat` is revoked while the entry exists.
 *
 * The entry is kept until `before` plus the store's `maxTokenLifetime` plus 300 s: every token it revokes
 * has expired by then, since verifiers reading the store refuse tokens that live longer than
 * `maxTokenLifetime`.
 */
export interface SubjectRevocation {
  /** The subject (`sub`) whose tokens are revoked. */
  sub: string
  /**
   * Tokens with an `iat` before this time are revoked, in NumericDate seconds; usually now
   * (`Math.floor(Date.now() / 1000)`). At most 300 s in the future: a store refuses a later one.
   */
  before: number
  /** Only that issuer's subject. Default: the entry applies to every issuer. */
  iss?: string
}

/** What {@link RevocationStore.revoke} takes: one token by `jti`, or every older token of a subject. */
export type RevocationEntry = TokenRevocation | SubjectRevocation

/**
 * The verified claims a store is asked about: the token's whole payload, deeply frozen, after its
 * signature and claims have been checked. Stores read `iss`, `jti`, `sub` and `iat`; `exp` is there for
 * stores that want it.
 */
export interface RevocationClaims {
  readonly iss?: string
  readonly sub?: string
  readonly jti?: string
  readonly iat?: number
  readonly exp?: number
}

/**
 * A revocation store, for the verifier's `revocation` option. `createMemoryRevocationStore()` is the
 * in-memory one; a store shared by several processes implements the same three members.
 *
 * Rules every store follows, so that revoking is the same whatever the backend:
 * - an entry is never dropped before the tokens it revokes have expired (see {@link TokenRevocation} and
 *   {@link SubjectRevocation} for how long that is); a store that is full refuses new entries instead;
 * - an entry without `iss` matches every issuer; one with `iss` only tokens whose `iss` is exactly it;
 * - revoking again what is already revoked never shortens the entry (nor lowers `before`).
 *
 * @example
 * ```ts
 * const revocation = createMemoryRevocationStore()
 * const verifier = createVerifier({ issuer, audience, revocation })
 * await revocation.revoke({ jti, exp, iss }) // the jti, exp and iss of the token to revoke
 * ```
 */
export interface RevocationStore {
  /**
   * Longest lifetime (`exp` − `iat`) of a token, in seconds. Verifiers using the store refuse longer-lived
   * tokens (and tokens without `exp` or `iat`) with `claim_invalid`, so that no token outlives the entry
   * that revokes it. Read once, when the verifier is created.
   */
  readonly maxTokenLifetime: number
  /**
   * Records a revocation. Resolves once verifiers reading the store see it. Rejects with a `TypeError` for
   * a malformed entry and with a {@link RevocationStoreFullError} when the store holds as many entries as
   * it may: it never evicts an entry that may still be needed, as that would silently un-revoke a token.
   */
  revoke(entry: RevocationEntry): Promise<void>
  /**
   * Whether the token with these verified claims is revoked. Called by the verifier on every request,
   * cached tokens included. Return a boolean synchronously when you can (a local view of the store): the
   * request then stays on the synchronous fast path. A promise is awaited.
   *
   * Security: only `false` lets the token through. A throw, a rejection or anything but a boolean answers
   * 503 `revocation_unavailable`, never a pass.
   */
  isRevoked(claims: RevocationClaims): boolean | Promise<boolean>
}

/** Rejection of {@link RevocationStore.revoke} when the store is full of entries still needed. */
export class RevocationStoreFullError extends Error {
  /** The store's capacity, in entries. */
  readonly maxEntries: number

  constructor(maxEntries: number) {
    super(
      `tokenguard: the revocation store is full (${maxEntries} entries, none expired yet); ` +
        'nothing was evicted. Raise maxEntries, or revoke by subject instead of by token',
    )
    this.name = new.target.name
    this.maxEntries = maxEntries
  }
}
