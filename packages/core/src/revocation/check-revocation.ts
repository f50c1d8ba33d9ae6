import type { TokenTimes } from '../claims.js'
import { errorText } from '../diagnostics.js'
import { AuthError, ConfigError } from '../errors.js'
import { safeValue, show } from '../reason.js'
import type { RevocationClaims, RevocationStore } from './revocation-store.js'

/**
 * The verifier's side of a revocation store: the lifetime rule checked once per token, and the store asked
 * on every request, cache hits included.
 */
export interface RevocationCheck {
  /**
   * Refuses (`claim_invalid`) a token the store could not revoke for as long as it lives: one without
   * `exp` or `iat`, or one living longer than the store's `maxTokenLifetime`. Part of the full
   * verification, so its verdict is cached with the token.
   */
  checkLifetime(times: TokenTimes): void
  /**
   * Asks the store. Returns `undefined` when it answered `false` at once, so a cache hit stays
   * synchronous; a promise when the store answers later. Throws (or rejects with) `token_revoked`, or
   * `revocation_unavailable` when the store fails or answers anything but a boolean.
   */
  check(claims: RevocationClaims): Promise<void> | undefined
}

/** Checks the `revocation` option when the verifier is created. */
export function resolveRevocationStore(value: unknown): RevocationStore | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null)
    throw new ConfigError('revocation', 'must be a revocation store, e.g. createMemoryRevocationStore()')
  const store = value as Partial<Record<keyof RevocationStore, unknown>>
  for (const method of ['isRevoked', 'revoke'] as const) {
    if (typeof store[method] !== 'function')
      throw new ConfigError('revocation', `must be a revocation store: it has no ${method}() method`)
  }
  const lifetime = store.maxTokenLifetime
  if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0)
    throw new ConfigError('revocation.maxTokenLifetime', 'must be a number of seconds above 0')
  return value as RevocationStore
}

function lifetimeInvalid(claim: 'exp' | 'iat', message: string, details = {}): AuthError {
  return new AuthError('claim_invalid', { claim, reason: { check: 'claim', message, ...details } })
}

function unavailable(message: string, cause?: unknown): AuthError {
  return new AuthError('revocation_unavailable', {
    ...(cause === undefined ? {} : { cause }),
    reason: { check: 'revocation', message },
  })
}

function revoked(claims: RevocationClaims): AuthError {
  const { jti, sub, iat } = claims
  return new AuthError('token_revoked', {
    reason: {
      check: 'revoked',
      message: `the revocation store revoked the token (jti ${show(jti)}, sub ${show(sub)}, iat ${show(iat)})`,
      actual: jti === undefined ? null : safeValue(jti),
    },
  })
}

/** Only `false` passes: a forgotten `return` (undefined) or a Redis reply of 0 must never let a token in. */
function verdictOf(verdict: unknown, claims: RevocationClaims): undefined {
  if (verdict === false) return undefined
  if (verdict === true) throw revoked(claims)
  throw unavailable(`the revocation store's isRevoked returned ${show(verdict)}, not a boolean`)
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  )
}

export function createRevocationCheck(store: RevocationStore): RevocationCheck {
  // Read once: a verifier's rules do not change under it.
  const maxTokenLifetime = store.maxTokenLifetime

  return {
    checkLifetime({ exp, iat }) {
      // Entries expire: a token without `exp` would outlive its own, and without `iat` its lifetime (hence
      // how long a subject entry must last) is unknown.
      if (exp === undefined)
        throw lifetimeInvalid('exp', 'claim "exp" is required while a revocation store is configured')
      if (iat === undefined)
        throw lifetimeInvalid('iat', 'claim "iat" is required while a revocation store is configured')
      if (exp - iat > maxTokenLifetime) {
        throw lifetimeInvalid(
          'exp',
          `the token lives ${exp - iat} s (exp − iat), over the revocation store's maxTokenLifetime ${maxTokenLifetime} s`,
          { expected: maxTokenLifetime, actual: exp - iat },
        )
      }
    },

    check(claims) {
      let verdict: unknown
      try {
        verdict = store.isRevoked(claims)
      } catch (cause) {
        // The store is infrastructure: its failure is a 503, never a 401 nor a pass.
        throw unavailable(`the revocation store failed: ${errorText(cause)}`, cause)
      }
      if (verdict === false) return undefined
      if (!isThenable(verdict)) return verdictOf(verdict, claims)
      return Promise.resolve(verdict).then(
        (settled) => verdictOf(settled, claims),
        (cause: unknown) => {
          throw unavailable(`the revocation store failed: ${errorText(cause)}`, cause)
        },
      )
    },
  }
}
