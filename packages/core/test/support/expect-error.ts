import { expect } from '@jest/globals'
import { AuthError, ConfigError, type AuthErrorCode } from '@tokenguard/core'

const STATUS: Record<AuthErrorCode, number> = {
  credentials_required: 401,
  invalid_request: 400,
  token_malformed: 401,
  algorithm_not_allowed: 401,
  key_not_found: 401,
  signature_invalid: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  claim_invalid: 401,
  token_revoked: 401,
  token_inactive: 401,
  binding_unverified: 401,
  binding_mismatch: 401,
  dpop_proof_invalid: 401,
  dpop_nonce_required: 401,
  insufficient_scope: 403,
  keys_unavailable: 503,
  revocation_unavailable: 503,
  replay_store_unavailable: 503,
  introspection_unavailable: 503,
}

/** Awaits `promise` and asserts it rejected with an `AuthError` of `code` (and the status that code has). */
export async function expectAuthError(promise: Promise<unknown>, code: AuthErrorCode): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AuthError)
  expect(error).toMatchObject({ code, status: STATUS[code], statusCode: STATUS[code] })
  return error as AuthError
}

/** Same as {@link expectAuthError} for a synchronous call. */
export function expectAuthErrorSync(fn: () => unknown, code: AuthErrorCode): AuthError {
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(AuthError)
  expect(error).toMatchObject({ code, status: STATUS[code] })
  return error as AuthError
}

/** Asserts `fn` throws a `ConfigError` (a `TypeError`) naming `option` in quotes. */
export function expectConfigError(fn: () => unknown, option: string): ConfigError {
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(ConfigError)
  expect(error).toBeInstanceOf(TypeError)
  // Naming the option is the contract of ConfigError (the "throw naming the bad option").
  expect((error as Error).message).toContain(`"${option}"`)
  return error as ConfigError
}
