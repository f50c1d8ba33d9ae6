import * as core from '@tokenguard/core'
import type { Guard, GuardRequirement } from '@tokenguard/core'
import type { RequestHandler } from 'express'
import { challengeOf } from './jwt-auth.js'

/** An Express handler enforcing a guard on `req.auth`, with the guard's requirement for route metadata. */
export type GuardHandler = RequestHandler & { readonly requirement: GuardRequirement }

/** Wraps a core guard as an Express handler: 401 without `req.auth`, 403 when the token falls short. */
export function toHandler(guard: Guard): GuardHandler {
  const handler: RequestHandler = (req, _res, next) => {
    try {
      // Own property only: an `auth` inherited through a polluted `Object.prototype` is no token.
      guard(Object.hasOwn(req, 'auth') ? req.auth : undefined, challengeOf(req))
    } catch (error) {
      return next(error)
    }
    next()
  }
  return Object.assign(handler, { requirement: guard.requirement })
}

/** Requires every one of `scopes`; 403 `insufficient_scope` otherwise. See the core's `requireScopes`. */
export const requireScopes = (...scopes: string[]): GuardHandler => toHandler(core.requireScopes(...scopes))

/** Requires at least one of `scopes`. */
export const requireAnyScope = (...scopes: string[]): GuardHandler =>
  toHandler(core.requireAnyScope(...scopes))

/** Requires roles (an options object last chooses the claims or `match: 'any'`). */
export const requireRoles = (...args: Parameters<typeof core.requireRoles>): GuardHandler =>
  toHandler(core.requireRoles(...args))

/** Requires `predicate(payload)` to return `true`. */
export const requireClaims = (predicate: Parameters<typeof core.requireClaims>[0]): GuardHandler =>
  toHandler(core.requireClaims(predicate))

/** Requires the claim to be exactly `value` (`===`). See the core's `requireClaimEquals`. */
export const requireClaimEquals = (...args: Parameters<typeof core.requireClaimEquals>): GuardHandler =>
  toHandler(core.requireClaimEquals(...args))

/** Requires the claim to be an array holding every one of `values`. See the core's `requireClaimIncludes`. */
export const requireClaimIncludes = (...args: Parameters<typeof core.requireClaimIncludes>): GuardHandler =>
  toHandler(core.requireClaimIncludes(...args))
