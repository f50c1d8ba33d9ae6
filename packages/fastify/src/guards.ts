import * as core from '@tokenguard/core'
import type { Guard, GuardRequirement } from '@tokenguard/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { challengeOf } from './challenge.js'

/**
 * A Fastify hook (use it as `preHandler` or `onRequest`) enforcing a guard on `request.auth`, with the
 * guard's requirement for route metadata.
 */
export type GuardHook = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & {
  readonly requirement: GuardRequirement
}

/** Wraps a core guard as a Fastify hook: 401 without `request.auth`, 403 when the token falls short. */
export function toHook(guard: Guard): GuardHook {
  const hook = async (request: FastifyRequest) => guard(request.auth, challengeOf(request))
  return Object.assign(hook, { requirement: guard.requirement })
}

/** Requires every one of `scopes`; 403 `insufficient_scope` otherwise. See the core's `requireScopes`. */
export const requireScopes = (...scopes: string[]): GuardHook => toHook(core.requireScopes(...scopes))

/** Requires at least one of `scopes`. */
export const requireAnyScope = (...scopes: string[]): GuardHook => toHook(core.requireAnyScope(...scopes))

/** Requires roles (an options object last chooses the claims or `match: 'any'`). */
export const requireRoles = (...args: Parameters<typeof core.requireRoles>): GuardHook =>
  toHook(core.requireRoles(...args))

/** Requires `predicate(payload)` to return `true`. */
export const requireClaims = (predicate: Parameters<typeof core.requireClaims>[0]): GuardHook =>
  toHook(core.requireClaims(predicate))

/** Requires the claim to be exactly `value` (`===`). See the core's `requireClaimEquals`. */
export const requireClaimEquals = (...args: Parameters<typeof core.requireClaimEquals>): GuardHook =>
  toHook(core.requireClaimEquals(...args))

/** Requires the claim to be an array holding every one of `values`. See the core's `requireClaimIncludes`. */
export const requireClaimIncludes = (...args: Parameters<typeof core.requireClaimIncludes>): GuardHook =>
  toHook(core.requireClaimIncludes(...args))
