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

/** RFC 6749 §3.3 `scope-token`: a name with a space or a quote could never be granted nor sent back. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

function requireScopeTokens(values: readonly unknown[], guard: string): readonly string[] {
  const names = requireNames(values, guard)
  if (!names.every((name) => SCOPE_TOKEN.test(name))) {
    throw new ConfigError(guard, 'needs scope names without spaces, quotes or backslashes (RFC 6749 §3.3)')
  }
  return names
}

function guard(
  requirement: GuardRequirement,
  check: (payload: TokenPayload) => boolean,
  scope?: readonly string[],
): Guard {
  const fn = (auth: VerifiedToken | null | undefined, realm?: string) => {
    if (!auth) throw new AuthError('credentials_required', realm === undefined ? {} : { realm })
    const options = { ...(scope ? { scope } : {}), ...(realm === undefined ? {} : { realm }) }
    let granted: boolean
    try {
      granted = check(auth.payload as TokenPayload)
    } catch (cause) {
      // A predicate that throws denies access (fail closed) instead of escaping as a 500.
      throw new AuthError('insufficient_scope', { ...options, cause })
    }
    if (!granted) throw new AuthError('insufficient_scope', options)
  }
  return Object.assign(fn, { requirement })
}

/** Requires every one of `scopes` (from `scope`, `scp` or `permissions`). 403 `insufficient_scope` otherwise. */
export function requireScopes(...scopes: string[]): Guard {
  const values = requireScopeTokens(scopes, 'requireScopes')
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
  const values = requireScopeTokens(scopes, 'requireAnyScope')
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
  const hasOptions = typeof last === 'object' && last !== null && !Array.isArray(last)
  const options: RoleGuardOptions = hasOptions ? (last as RoleGuardOptions) : {}
  const roles = requireNames(hasOptions ? args.slice(0, -1) : args, 'requireRoles')
  const claims = options.claims ?? DEFAULT_ROLE_CLAIMS
  const isPath = (path: unknown) =>
    (typeof path === 'string' && path !== '') ||
    (Array.isArray(path) && path.length > 0 && path.every((key) => typeof key === 'string' && key !== ''))
  if (!Array.isArray(claims) || claims.length === 0 || !claims.every(isPath)) {
    // A string here would be read character by character, and no path at all would deny everyone.
    throw new ConfigError('requireRoles.claims', 'must be a non-empty array of claim names or paths')
  }
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
