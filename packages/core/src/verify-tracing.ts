import { headerDetails } from './refusals.js'
import { AuthError } from './errors.js'
import { verifyChannel, type VerifyMessage } from './diagnostics.js'
import { safeText } from './reason.js'
import { tokenId } from './token-id.js'
import type { VerifiedToken } from './types.js'

/**
 * Runs `verify` for `token`, publishing it on the `tokenguard:verify` tracing channel (see `VerifyMessage`):
 * `start` and `end` around the synchronous part, `asyncStart` and `asyncEnd` once a promise settles, `error`
 * on a refusal. Only called while the channel has a subscriber.
 */
export function traceVerification(
  token: string,
  verify: (token: string, trace: VerifyMessage) => VerifiedToken | Promise<VerifiedToken>,
): VerifiedToken | Promise<VerifiedToken> {
  const trace: VerifyMessage = { tokenId: typeof token === 'string' ? tokenId(token) : '', cached: false }
  const { start, end, asyncStart, asyncEnd, error } = verifyChannel
  const failed = (failure: unknown) => {
    describeFailure(trace, failure)
    error.publish(trace)
  }
  return start.runStores(trace, () => {
    try {
      const outcome = verify(token, trace)
      if (!(outcome instanceof Promise)) {
        describeSuccess(trace, outcome)
        return outcome
      }
      return outcome.then(
        (result) => {
          describeSuccess(trace, result)
          asyncStart.publish(trace)
          asyncEnd.publish(trace)
          return result
        },
        (failure: unknown) => {
          failed(failure)
          asyncStart.publish(trace)
          asyncEnd.publish(trace)
          throw failure
        },
      )
    } catch (failure) {
      failed(failure)
      throw failure
    } finally {
      end.publish(trace)
    }
  })
}

function describeSuccess(trace: VerifyMessage, { header, payload }: VerifiedToken): void {
  trace.issuer = typeof payload.iss === 'string' ? safeText(payload.iss) : null
  Object.assign(trace, headerDetails(header))
}

function describeFailure(trace: VerifyMessage, failure: unknown): void {
  if (!(failure instanceof AuthError)) return
  const { reason } = failure
  trace.error = failure
  trace.code = failure.code
  trace.reason = reason
  if (reason.issuer !== undefined) trace.issuer = reason.issuer
  if (reason.kid !== undefined) trace.kid = reason.kid
  if (reason.alg !== undefined) trace.alg = reason.alg
}
