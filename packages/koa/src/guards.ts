import * as core from '@tokenguard/core'
import type { Guard, GuardRequirement } from '@tokenguard/core'
import type { Middleware } from 'koa'
import { challengeOf, type AuthState } from './jwt-auth.js'

/** A Koa middleware enforcing a guard on `ctx.state.auth`, with the guard's requirement for route metadata. */
export type GuardMiddleware = Middleware<AuthState> & { readonly requirement: GuardRequirement }

/** Wraps a core guard as Koa middleware: 401 without `ctx.state.auth`, 403 when the token falls short. */
export function toMiddleware(guard: Guard): GuardMiddleware {
  const middleware: Middleware<AuthState> = (ctx, next) => {
    // Own property only: an `auth` inherited through a polluted `Object.prototype` is no token.
    guard(Object.hasOwn(ctx.state, 'auth') ? ctx.state.auth : undefined, challengeOf(ctx))
    return next()
  }
  return Object.assign(middleware, { requirement: guard.requirement })
}

/** Requires every one of `scopes`; 403 `insufficient_scope` otherwise. See the core's `requireScopes`. */
export const requireScopes = (...scopes: string[]): GuardMiddleware =>
  toMiddleware(core.requireScopes(...scopes))

/** Requires at least one of `scopes`. */
export const requireAnyScope = (...scopes: string[]): GuardMiddleware =>
  toMiddleware(core.requireAnyScope(...scopes))

/** Requires roles (an options object last chooses the claims or `match: 'any'`). */
export const requireRoles = (...args: Parameters<typeof core.requireRoles>): GuardMiddleware =>
  toMiddleware(core.requireRoles(...args))

/** Requires `predicate(payload)` to return `true`. */
export const requireClaims = (predicate: Parameters<typeof core.requireClaims>[0]): GuardMiddleware =>
  toMiddleware(core.requireClaims(predicate))

/** Requires the claim to be exactly `value` (`===`). See the core's `requireClaimEquals`. */
export const requireClaimEquals = (...args: Parameters<typeof core.requireClaimEquals>): GuardMiddleware =>
  toMiddleware(core.requireClaimEquals(...args))

/** Requires the claim to be an array holding every one of `values`. See the core's `requireClaimIncludes`. */
export const requireClaimIncludes = (
  ...args: Parameters<typeof core.requireClaimIncludes>
): GuardMiddleware => toMiddleware(core.requireClaimIncludes(...args))
