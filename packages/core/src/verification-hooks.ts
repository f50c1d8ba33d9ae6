import { errorText } from './diagnostics.js'
import { AuthError } from './errors.js'
import { safeValue, show } from './reason.js'
import type { ResolvedOptions } from './resolve-options.js'
import type { TokenHeader, TokenPayload, VerifiedToken } from './types.js'

/** Asks the `isRevoked` hook; its failure is a 503, never a 401 nor a pass. */
export async function checkRevocation(
  isRevoked: NonNullable<ResolvedOptions['isRevoked']>,
  result: VerifiedToken,
): Promise<void> {
  let revoked: boolean
  try {
    revoked = await isRevoked(result.payload as TokenPayload, result.header)
  } catch (cause) {
    // The revocation store is infrastructure: its failure is a 503, never a 401 nor a pass.
    throw new AuthError('revocation_unavailable', {
      cause,
      reason: { message: `isRevoked failed: ${errorText(cause)}` },
    })
  }
  if (revoked) throw new AuthError('token_revoked', { reason: { message: 'isRevoked returned true' } })
}

/** Runs `validate`: only `true` passes (fail closed); a throw is a refusal unless it is an `AuthError`. */
export async function runValidate(
  validate: NonNullable<ResolvedOptions['validate']>,
  payload: TokenPayload,
  header: TokenHeader,
): Promise<void> {
  let verdict: unknown
  try {
    verdict = await validate(payload, header)
  } catch (cause) {
    if (cause instanceof AuthError) throw cause
    throw new AuthError('claim_invalid', {
      cause,
      claim: 'validate',
      reason: { check: 'validate', message: `validate threw: ${errorText(cause)}` },
    })
  }
  // Fail closed: `undefined` (a forgotten return), `null`, `0` or `''` (a `Map.get` miss, a Redis
  // SISMEMBER 0) must never pass — and the verdict is cached with the token.
  if (verdict !== true) {
    throw new AuthError('claim_invalid', {
      claim: 'validate',
      reason: {
        check: 'validate',
        message: `validate returned ${verdict === undefined ? 'undefined' : show(verdict)}, not true`,
        expected: true,
        actual: verdict === undefined ? null : safeValue(verdict),
      },
    })
  }
}
