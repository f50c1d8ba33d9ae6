import { ConfigError, AuthError } from './errors.js'
import { DEFAULT_ROLE_CLAIMS, rolesOf, scopesOf, type ClaimPath } from './claim-values.js'
import type { TokenPayload, VerifiedToken } from './types.js'

/**
 * A guard checks an already verified token. It throws `credentials_required` (401) when the request was
 * not authenticated and `insufficient_scope` (403) when the token lacks what the route needs. Adapters
 * wrap guards as their framework's handlers.
 */
export interface Guard {
  (auth: VerifiedToken | null | undefined, realm?: string): void
  /** What the guard requires, for documentation and route metadata. */
  readonly requirement: GuardRequirement
}

export type GuardRequirement =
  | { kind: 'scopes'; match: 'all' | 'any'; values: readonly string[] }
  | { kind: 'roles'; match: 'all' | 'any'; values: readonly string[] }
  | { kind: 'claims' }

export interface RoleGuardOptions {
  /** Claims roles are read from. Default: `roles`, `groups`, `cognito:groups`, `realm_access.roles`. */
  claims?: readonly ClaimPath[]
  /** `'all'` (default) requires every role; `'any'` at least one. */
  match?: 'all' | 'any'
}

function requireNames(values: readonly unknown[], guard: string): readonly string[] {
  if (values.length === 0 || !values.every((value) => typeof value === 'string' && value.length > 0)) {
    // An empty requirement would silently allow everything; refuse it at start-up instead.
    throw new ConfigError(guard, 'needs at least one non-empty name')
  }
  return Object.freeze([...(values as string[])])
}

function guard(
  requirement: GuardRequirement,
  check: (payload: TokenPayload) => boolean,
  scope?: readonly string[],
): Guard {
  const fn = (auth: VerifiedToken | null | undefined, realm?: string) => {
    if (!auth) throw new AuthError('credentials_required', realm === undefined ? {} : { realm })
    if (!check(auth.payload as TokenPayload)) {
      throw new AuthError('insufficient_scope', {
        ...(scope ? { scope } : {}),
        ...(realm === undefined ? {} : { realm }),
      })
    }
  }
  return Object.assign(fn, { requirement })
}

/** Requires every one of `scopes` (from `scope`, `scp` or `permissions`). 403 `insufficient_scope` otherwise. */
export function requireScopes(...scopes: string[]): Guard {
  const values = requireNames(scopes, 'requireScopes')
  return guard(
    { kind: 'scopes', match: 'all', values },
    (payload) => {
      const granted = scopesOf(payload)
      return values.every((scope) => granted.has(scope))
    },
    values,
  )
}

/** Requires at least one of `scopes`. */
export function requireAnyScope(...scopes: string[]): Guard {
  const values = requireNames(scopes, 'requireAnyScope')
  return guard(
    { kind: 'scopes', match: 'any', values },
    (payload) => {
      const granted = scopesOf(payload)
      return values.some((scope) => granted.has(scope))
    },
    values,
  )
}

/**
 * Requires roles, read from the usual role claims of Entra ID, Okta, Cognito and Keycloak. Pass an
 * options object last to choose the claims or `match: 'any'`.
 *
 * @example
 * ```ts
 * requireRoles('admin')
 * requireRoles('editor', 'admin', { match: 'any', claims: [rolePresets.keycloakClient('my-api')] })
 * ```
 */
export function requireRoles(...args: [...roles: string[], options: RoleGuardOptions] | string[]): Guard {
  const last = args[args.length - 1]
  const options: RoleGuardOptions =
    typeof last === 'object' && last !== null ? (last as RoleGuardOptions) : {}
  const roles = requireNames(typeof last === 'object' ? args.slice(0, -1) : args, 'requireRoles')
  const claims = options.claims ?? DEFAULT_ROLE_CLAIMS
  const match = options.match ?? 'all'
  if (match !== 'all' && match !== 'any')
    throw new ConfigError('requireRoles.match', 'must be "all" or "any"')
  return guard({ kind: 'roles', match, values: roles }, (payload) => {
    const granted = rolesOf(payload, claims)
    return match === 'all'
      ? roles.every((role) => granted.has(role))
      : roles.some((role) => granted.has(role))
  })
}

/** Requires `predicate(payload)` to return `true`. */
export function requireClaims(predicate: (payload: TokenPayload) => boolean): Guard {
  if (typeof predicate !== 'function') throw new ConfigError('requireClaims', 'needs a predicate function')
  return guard({ kind: 'claims' }, (payload) => predicate(payload) === true)
}
