/**
 * Builds `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3).
 *
 * Every value is reduced to the characters RFC 6750 allows inside a quoted attribute
 * (`%x20-21 / %x23-5B / %x5D-7E`) and bounded in length, so no caller can break out of the quotes or
 * inject a header line, whatever text reaches here.
 */

const MAX_ATTRIBUTE_LENGTH = 256

/** Characters RFC 6750 allows in `error`, `error_description` and `realm` values. */
const UNSAFE_ATTRIBUTE_CHARS = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g
/** Characters RFC 6750 allows in a scope-token (`%x21 / %x23-5B / %x5D-7E`). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

export interface ChallengeParams {
  realm?: string | undefined
  error?: string | undefined
  errorDescription?: string | undefined
  scope?: readonly string[] | undefined
}

function quote(value: string): string {
  return `"${value.replace(UNSAFE_ATTRIBUTE_CHARS, '').slice(0, MAX_ATTRIBUTE_LENGTH)}"`
}

/** Returns the `WWW-Authenticate` value for a Bearer challenge with the given attributes. */
export function bearerChallenge(params: ChallengeParams): string {
  const attributes: string[] = []
  if (params.realm !== undefined) attributes.push(`realm=${quote(params.realm)}`)
  if (params.error !== undefined) attributes.push(`error=${quote(params.error)}`)
  if (params.errorDescription !== undefined) {
    attributes.push(`error_description=${quote(params.errorDescription)}`)
  }
  const scopes = params.scope?.filter((scope) => SCOPE_TOKEN.test(scope)) ?? []
  if (scopes.length > 0) attributes.push(`scope=${quote(scopes.join(' '))}`)
  return attributes.length === 0 ? 'Bearer' : `Bearer ${attributes.join(', ')}`
}

/**
 * What a request's challenges say besides the error: which schemes the route accepts and which one the
 * request used. One per authenticator, refined per request (`scheme`, `nonce`).
 */
export interface Challenge {
  readonly realm?: string | undefined
  /** `false` when only the DPoP scheme is accepted (`dpop.mode: 'required'`). Default: `true`. */
  readonly bearer?: boolean
  /** The proof algorithms of the DPoP challenge's `algs`; absent when DPoP is not accepted. */
  readonly dpopAlgorithms?: readonly string[] | undefined
  /** The scheme the request used; the error goes in that scheme's challenge. */
  readonly scheme?: 'Bearer' | 'DPoP' | undefined
  /** A fresh server nonce, sent as `DPoP-Nonce`. */
  readonly nonce?: string | undefined
  /** RFC 9728 `resource_metadata` URL, sent in every challenge. */
  readonly resourceMetadata?: string | undefined
}

/** The error part of one challenge. */
export interface ChallengeError {
  readonly error?: string | undefined
  readonly errorDescription?: string | undefined
  readonly scope?: readonly string[] | undefined
  /** RFC 9449's own errors (`invalid_dpop_proof`, `use_dpop_nonce`) belong to the DPoP challenge only. */
  readonly dpopOnly?: boolean
}

function attributesOf(challenge: Challenge, error: ChallengeError | undefined): string[] {
  const attributes: string[] = []
  if (challenge.realm !== undefined) attributes.push(`realm=${quote(challenge.realm)}`)
  if (error?.error !== undefined) attributes.push(`error=${quote(error.error)}`)
  if (error?.errorDescription !== undefined)
    attributes.push(`error_description=${quote(error.errorDescription)}`)
  const scopes = error?.scope?.filter((scope) => SCOPE_TOKEN.test(scope)) ?? []
  if (scopes.length > 0) attributes.push(`scope=${quote(scopes.join(' '))}`)
  if (challenge.resourceMetadata !== undefined)
    attributes.push(`resource_metadata=${quote(challenge.resourceMetadata)}`)
  return attributes
}

/**
 * Returns the `WWW-Authenticate` value for a request: a `Bearer` challenge, a `DPoP` one (RFC 9449 §7.1,
 * with `algs`), or both comma-joined, the error in the scheme the request used.
 */
export function challengeHeader(challenge: Challenge, error?: ChallengeError): string {
  const offersDpop = challenge.dpopAlgorithms !== undefined
  const offersBearer = challenge.bearer !== false || !offersDpop
  const errorInDpop = offersDpop && (error?.dpopOnly === true || challenge.scheme === 'DPoP' || !offersBearer)
  const parts: string[] = []
  if (offersBearer) {
    const attributes = attributesOf(challenge, errorInDpop ? undefined : error)
    parts.push(attributes.length === 0 ? 'Bearer' : `Bearer ${attributes.join(', ')}`)
  }
  if (offersDpop) {
    const attributes = attributesOf(challenge, errorInDpop ? error : undefined)
    const algs = (challenge.dpopAlgorithms ?? []).filter((alg) => SCOPE_TOKEN.test(alg)).join(' ')
    parts.push(`DPoP ${[...attributes, `algs=${quote(algs)}`].join(', ')}`)
  }
  return parts.join(', ')
}
