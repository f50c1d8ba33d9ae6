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
