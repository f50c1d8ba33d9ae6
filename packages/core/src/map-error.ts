import { errors } from 'jose'
import { errorText } from './diagnostics.js'
import { AuthError, ConfigError } from './errors.js'

/**
 * Turns whatever a verification threw into an `AuthError`, keeping the original as `cause`.
 * jose's errors map by class; anything else thrown while verifying (WebCrypto `DataError`, Node
 * `TypeError` for a weak key, …) is a token that could not be verified, never a crash.
 */
export function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error
  // A misconfiguration found while verifying (a `now` hook returning a Date) is the server's fault, not
  // the token's: it must surface as a 500 with its stack, never hide as a 401 for every user.
  if (error instanceof ConfigError) throw error
  // jose's refusals are expected outcomes like ours: their stack frames would only add server paths to
  // every logged 401 (Fastify's logger prints causes). Each is a fresh instance made for this call.
  if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout))
    Object.defineProperty(error, 'stack', { value: `${error.name}: ${error.message}`, configurable: true })
  const options = { cause: error }
  if (error instanceof errors.JWTExpired) return new AuthError('token_expired', options)
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason === 'check_failed')
      return new AuthError('token_not_yet_valid', options)
    return new AuthError('claim_invalid', { ...options, claim: error.claim })
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new AuthError('signature_invalid', options)
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthError('algorithm_not_allowed', options)
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthError('key_not_found', options)
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return new AuthError('token_malformed', options)
  return new AuthError('signature_invalid', {
    ...options,
    reason: { message: `the signature could not be checked: ${errorText(error)}` },
  })
}
