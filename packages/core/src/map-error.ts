import { errors } from 'jose'
import { AuthError } from './errors.js'

/**
 * Turns whatever a verification threw into an `AuthError`, keeping the original as `cause`.
 * jose's errors map by class; anything else thrown while verifying (WebCrypto `DataError`, Node
 * `TypeError` for a weak key, …) is a token that could not be verified, never a crash.
 */
export function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error
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
  return new AuthError('signature_invalid', options)
}
