import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import * as core from '@tokenguard/core'
import type { Guard, VerifiedToken } from '@tokenguard/core'
import type { AuthRequest } from './request-facts.js'
import { PUBLIC_KEY, REQUIREMENTS_KEY } from './tokens.js'

/** A decorator for a controller class or a route handler. */
export type ClassOrMethodDecorator = ClassDecorator & MethodDecorator

const reflector = new Reflector()

/**
 * Marks a route handler, or every route of a controller, as public: `TokenguardGuard` lets it through
 * without looking for a token, and `request.auth` stays unset. Only the decorated handler or controller:
 * every other route, with or without decorators, is still authenticated by a global guard.
 *
 * A requirement (`@RequireScopes()`, …) on the same route, or on its controller, wins: the route is then
 * authenticated and checked (it fails closed rather than silently dropping a requirement).
 *
 * @example
 * ```ts
 * @Public()
 * @Get('health')
 * health() {
 *   return { status: 'ok' }
 * }
 * ```
 */
export const Public = (): ClassOrMethodDecorator => SetMetadata(PUBLIC_KEY, true)

/**
 * Adds a core guard to the route's (or controller's) requirements. Requirements accumulate: several
 * decorators, and the controller's with the handler's, must all hold. A subclass keeps its parent's.
 */
function requirement(guard: Guard): ClassOrMethodDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = (descriptor?.value ?? target) as object
    const current = reflector.get<readonly Guard[] | undefined>(REQUIREMENTS_KEY, where as never) ?? []
    SetMetadata(REQUIREMENTS_KEY, [...current, guard])(target, key as string | symbol, descriptor as never)
  }) as ClassOrMethodDecorator
}

/**
 * Requires every one of `scopes` (the `scope` or `scp` claim); 403 `insufficient_scope` naming them
 * otherwise, 401 without a token. Names are checked now: a bad one throws a `ConfigError` at start-up.
 *
 * @example
 * ```ts
 * @RequireScopes('read:items')
 * @Get('items')
 * list() {}
 * ```
 */
export const RequireScopes = (...scopes: string[]): ClassOrMethodDecorator =>
  requirement(core.requireScopes(...scopes))

/** Requires at least one of `scopes`. See {@link RequireScopes}. @example `@RequireAnyScope('read', 'admin')` */
export const RequireAnyScope = (...scopes: string[]): ClassOrMethodDecorator =>
  requirement(core.requireAnyScope(...scopes))

/**
 * Requires roles, with the arguments of the core's `requireRoles`: names, then optionally an options
 * object choosing the claims (`claims: rolePresets.keycloakClient('api')`) or `match: 'any'`.
 *
 * @example
 * ```ts
 * @RequireRoles('admin', { match: 'any', claims: ['roles', 'groups'] })
 * ```
 */
export const RequireRoles = (...args: Parameters<typeof core.requireRoles>): ClassOrMethodDecorator =>
  requirement(core.requireRoles(...args))

/** Requires `predicate(payload)` to return `true`. @example `@RequireClaims((p) => p.tenant === 'acme')` */
export const RequireClaims = (predicate: Parameters<typeof core.requireClaims>[0]): ClassOrMethodDecorator =>
  requirement(core.requireClaims(predicate))

/** Requires a claim to be exactly a value (`===`). @example `@RequireClaimEquals('tenant', 'acme')` */
export const RequireClaimEquals = (
  ...args: Parameters<typeof core.requireClaimEquals>
): ClassOrMethodDecorator => requirement(core.requireClaimEquals(...args))

/** Requires an array claim to hold every value. @example `@RequireClaimIncludes('amr', 'mfa')` */
export const RequireClaimIncludes = (
  ...args: Parameters<typeof core.requireClaimIncludes>
): ClassOrMethodDecorator => requirement(core.requireClaimIncludes(...args))

/** The route's requirements: its controller's, then its handler's. */
export function requirementsOf(targets: readonly [handler: object, controller: object]): Guard[] {
  const [handler, controller] = targets
  return [
    ...(reflector.get<readonly Guard[] | undefined>(REQUIREMENTS_KEY, controller as never) ?? []),
    ...(reflector.get<readonly Guard[] | undefined>(REQUIREMENTS_KEY, handler as never) ?? []),
  ]
}

/**
 * Injects the verified token (`{ payload, header, token }`) into a handler parameter; `undefined` on a
 * `@Public()` route or when `credentialsRequired: false` let a request through without a token.
 *
 * @example
 * ```ts
 * @Get('me')
 * me(@Auth() auth: VerifiedToken) {
 *   return auth.payload
 * }
 * ```
 */
export const Auth: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): VerifiedToken | undefined => {
    const request = context.switchToHttp().getRequest<AuthRequest>()
    // Own property only: an `auth` inherited through a polluted prototype is no token.
    return Object.hasOwn(request, 'auth') ? request.auth : undefined
  },
)
