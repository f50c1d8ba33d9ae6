import { AuthError, isAuthError } from '@tokenguard/core'
import type { GuardHook } from './guards.js'

/**
 * A 401 of a route whose `config.auth` names scopes, answered with those scopes in the challenge
 * (`scope="…"`, RFC 6750 §3), so that an MCP client knows what to ask for. Only with RFC 9728 metadata
 * (`resourceMetadata`), as the guards' own 401 does; any other error is returned as is.
 */
export function withRouteScopes(error: unknown, guards: readonly GuardHook[]): unknown {
  if (!isAuthError(error) || error.status !== 401 || error.scope !== undefined) return error
  if (error.challenge.resourceMetadata === undefined) return error
  const scope = [
    ...new Set(
      guards.flatMap(({ requirement }) => (requirement.kind === 'scopes' ? requirement.values : [])),
    ),
  ]
  if (scope.length === 0) return error
  return new AuthError(error.code, {
    cause: error.cause,
    challenge: error.challenge,
    scope,
    reason: error.reason,
    ...(error.claim === undefined ? {} : { claim: error.claim }),
  })
}
