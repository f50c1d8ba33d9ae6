/**
 * Why a request was refused, for the operator: the server-side half of every `AuthError`. The client gets
 * the generic RFC 6750 answer; logs get which check failed, what it expected and what the token held.
 *
 * Values taken from the token are attacker-controlled: every one is bounded in length and has its control
 * and bidirectional-override characters escaped before it is stored, so a reason is safe to write to a
 * log line or a terminal. A reason never holds the token itself.
 */

/**
 * Which check refused the request.
 *
 * | check | code | expected / actual |
 * |---|---|---|
 * | `credentials` | `credentials_required` | — (no token in the request) |
 * | `request` | `invalid_request` | `actual`: what was wrong with the request |
 * | `syntax` | `token_malformed` | `actual`: the segment or rule that failed |
 * | `iss` | `claim_invalid` | trusted issuers / the token's `iss` |
 * | `alg` | `algorithm_not_allowed` | accepted algorithms / the header's `alg` |
 * | `typ` | `claim_invalid` | accepted types / the header's `typ` |
 * | `kid` | `key_not_found` | — / the header's `kid`; `keySource` says where keys were looked up |
 * | `signature` | `signature_invalid` | — / `kid`, `alg`, `keySource` |
 * | `aud` | `claim_invalid` | accepted audiences / the token's `aud` |
 * | `exp`, `nbf`, `iat` | `token_expired`, `token_not_yet_valid`, `claim_invalid` | the bound / the claim; `now`, `clockTolerance` |
 * | `claim` | `claim_invalid` | `claim` names it: missing or of the wrong type |
 * | `validate` | `claim_invalid` | `true` / what your `validate` returned, or `cause` |
 * | `revoked` | `token_revoked` | — |
 * | `revocation` | `revocation_unavailable` | — / the store's error in `cause` |
 * | `cnf` | `binding_unverified`, `binding_mismatch` | the bound key's thumbprint / the proven one |
 * | `dpop` | `dpop_proof_invalid`, `dpop_nonce_required` | what the proof had to hold / what it held |
 * | `replay` | `replay_store_unavailable` | — / the store's error in `cause` |
 * | `introspection` | `token_inactive`, `introspection_unavailable` | — / the endpoint's failure in `cause` |
 * | `keys` | `keys_unavailable` | — / `keySource` and `fetchError` |
 * | `scope`, `role`, `predicate` | `insufficient_scope` | what the route requires / what the token grants |
 */
export type ReasonCheck =
  | 'credentials'
  | 'request'
  | 'syntax'
  | 'iss'
  | 'alg'
  | 'typ'
  | 'kid'
  | 'signature'
  | 'aud'
  | 'exp'
  | 'nbf'
  | 'iat'
  | 'claim'
  | 'validate'
  | 'revoked'
  | 'revocation'
  | 'cnf'
  | 'dpop'
  | 'replay'
  | 'introspection'
  | 'keys'
  | 'scope'
  | 'role'
  | 'predicate'

/** A value in a reason: a bounded, escaped string, a number, a boolean, `null`, or a short list of them. */
export type ReasonValue = string | number | boolean | null | readonly (string | number | boolean | null)[]

/** The operator's explanation of one refusal. Never sent to the client; never holds the token. */
export interface AuthErrorReason {
  /** Which check failed. */
  readonly check: ReasonCheck
  /** One line for humans, e.g. `aud "https://other.example" is not an accepted audience`. */
  readonly message: string
  /** What the check accepts (from your configuration). */
  readonly expected?: ReasonValue
  /** What the request or token held (bounded and escaped). */
  readonly actual?: ReasonValue
  /** For `claim` (and claim checks in general): the claim or header parameter. */
  readonly claim?: string
  /** Time checks: the verifier's clock, in NumericDate seconds. */
  readonly now?: number
  /** Time checks: the clock tolerance applied, in seconds. */
  readonly clockTolerance?: number
  /** The issuer the token was routed to, once known. */
  readonly issuer?: string | null
  /** The token's `kid` and `alg`, once the header is parsed (bounded and escaped). */
  readonly kid?: string
  readonly alg?: string
  /** Where keys were looked up: a JWK Set URL, `discovery of <issuer>`, `static keys` or `secret`. */
  readonly keySource?: string
  /** For `keys`: why the last JWK Set or discovery fetch failed. */
  readonly fetchError?: string
  /** Correlation id of the token (see `tokenId`), set by the verifier. */
  readonly tokenId?: string
}

/** Longest string kept from the token in a reason. */
const MAX_VALUE_CHARS = 120
/** Most list members kept from the token in a reason. */
const MAX_LIST_ITEMS = 10

// C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

function escapeCharacter(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** A string from the token, made safe for a log line: at most 120 characters, controls escaped. */
export function safeText(value: string): string {
  const bounded = value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value
  return bounded.replace(UNSAFE_CHARACTERS, escapeCharacter)
}

/** Any value from the token as a {@link ReasonValue}: strings escaped, lists shortened, objects described. */
export function safeValue(value: unknown): ReasonValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value
  if (typeof value === 'string') return safeText(value)
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_LIST_ITEMS).map((item) => {
      const safe = safeValue(item)
      return Array.isArray(safe) ? '(array)' : (safe as string | number | boolean | null)
    })
    if (value.length > MAX_LIST_ITEMS) items.push(`… ${value.length - MAX_LIST_ITEMS} more`)
    return items
  }
  return `(${typeof value === 'object' ? 'object' : typeof value})`
}

/** Quotes a value for a reason's message. */
export function show(value: unknown): string {
  return JSON.stringify(safeValue(value)) ?? 'undefined'
}
