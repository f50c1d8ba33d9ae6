import { REVOCATION_MARGIN_SECONDS, type RevocationEntry } from './revocation-store.js'

/**
 * The rules of one revocation entry, shared by every store so that revoking means the same whatever the
 * backend: which fields it takes, what it matches and until when it must be kept.
 */

/** A checked entry, ready to store. */
export interface RevocationRule {
  /** `jti`: one token; `sub`: every token of a subject issued before `before`. */
  kind: 'jti' | 'sub'
  /** The `jti` or the `sub`. */
  key: string
  /** The issuer the entry is limited to, or `null` for every issuer. */
  iss: string | null
  /** For `sub`: tokens with an `iat` before this (NumericDate seconds) are revoked. For `jti`: 0. */
  before: number
  /** When no token the entry revokes can be accepted any more, in milliseconds since the epoch. */
  expiresAtMs: number
}

/**
 * Longest `jti`, `sub` or `iss` an entry takes. Far beyond any identifier an issuer mints (UUIDs, 16–64
 * characters), and it bounds what a flood of `revoke()` calls can make one entry hold.
 */
export const MAX_IDENTIFIER_LENGTH = 1024

const TOKEN_FIELDS = new Set(['jti', 'exp', 'iss'])
const SUBJECT_FIELDS = new Set(['sub', 'before', 'iss'])

function invalid(problem: string): TypeError {
  return new TypeError(`tokenguard: revoke(): ${problem}`)
}

function identifier(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_IDENTIFIER_LENGTH)
    throw invalid(`"${field}" must be a string of 1 to ${MAX_IDENTIFIER_LENGTH} characters`)
  return value
}

function numericDate(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(`"${field}" must be a finite NumericDate, in seconds since the epoch`)
  return value
}

/**
 * Checks `entry` and works out until when it must be kept, at `nowMs`. Returns `undefined` when every
 * token it could revoke has already expired: there is nothing to keep. Throws a `TypeError` for a
 * malformed entry and a `RangeError` for a subject entry whose `before` is in the future.
 *
 * Times are rounded up to whole seconds, because verifiers compare `exp` with the current second: an entry
 * for `exp: 100.5` is kept until 401 s, when the token is refused everywhere, not until 400.5 s.
 */
export function revocationRule(
  entry: RevocationEntry,
  nowMs: number,
  maxTokenLifetime: number,
): RevocationRule | undefined {
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
    throw new TypeError('tokenguard: the revocation store now() must return the time in milliseconds')
  if (typeof entry !== 'object' || entry === null) throw invalid('the entry must be an object')
  const record = entry as unknown as Record<string, unknown>
  const isToken = Object.hasOwn(record, 'jti')
  if (isToken === Object.hasOwn(record, 'sub'))
    throw invalid('the entry must have either "jti" (with "exp") or "sub" (with "before")')
  // A misspelt field (`issuer`, `befor`) must not silently widen or change what is revoked.
  const fields = isToken ? TOKEN_FIELDS : SUBJECT_FIELDS
  for (const name of Object.keys(record))
    if (!fields.has(name)) throw invalid(`"${name}" is not a field of a ${isToken ? 'jti' : 'sub'} entry`)
  const iss = record.iss === undefined ? null : identifier(record.iss, 'iss')
  const nowSeconds = Math.ceil(nowMs / 1000)

  if (isToken) {
    const jti = identifier(record.jti, 'jti')
    // No token a verifier reading the store accepts now can expire later than this (its iat is at most
    // the clock tolerance ahead, its lifetime at most maxTokenLifetime): a later `exp` (a typo, or
    // milliseconds passed for seconds) would only keep the entry for ages.
    const latest = nowSeconds + maxTokenLifetime + REVOCATION_MARGIN_SECONDS
    const exp = Math.min(Math.ceil(numericDate(record.exp, 'exp')), latest)
    const expiresAtMs = (exp + REVOCATION_MARGIN_SECONDS) * 1000
    return expiresAtMs <= nowMs ? undefined : { kind: 'jti', key: jti, iss, before: 0, expiresAtMs }
  }

  const sub = identifier(record.sub, 'sub')
  const before = numericDate(record.before, 'before')
  // A future `before` would revoke tokens not issued yet, i.e. lock the subject out, and keep the entry
  // that much longer. That is a job for the issuer (disable the account), not for revocation.
  if (before > nowMs / 1000 + REVOCATION_MARGIN_SECONDS)
    throw new RangeError(
      `tokenguard: revoke(): "before" is more than ${REVOCATION_MARGIN_SECONDS} s in the future`,
    )
  const expiresAtMs = (Math.ceil(before + maxTokenLifetime) + REVOCATION_MARGIN_SECONDS) * 1000
  return expiresAtMs <= nowMs ? undefined : { kind: 'sub', key: sub, iss, before, expiresAtMs }
}
