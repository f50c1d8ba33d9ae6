/**
 * Reads scopes and roles out of verified claims, wherever an identity provider puts them. Only own
 * properties are read, so `__proto__`, `constructor` or `toString` never resolve to something inherited.
 */

import { ConfigError } from './errors.js'

/**
 * A nested claim path, such as Keycloak's `resource_access.<client>.roles`. Made by {@link claimPath}:
 * an object, never a bare array, so that a list of paths and one path can never be mistaken for each other.
 */
export interface NestedClaimPath {
  /** The property names, outermost first. */
  readonly path: readonly string[]
}

/**
 * Where a claim is: a top-level claim name (`'roles'`, `'cognito:groups'`, `'https://example.com/roles'`;
 * dots are part of the name) or a nested path made by {@link claimPath}.
 */
export type ClaimPath = string | NestedClaimPath

/**
 * A nested claim path: `claimPath('realm_access', 'roles')` reads `payload.realm_access.roles`.
 * @throws ConfigError when a name is not a non-empty string
 */
export function claimPath(...names: string[]): NestedClaimPath {
  if (names.length === 0 || !names.every((name) => typeof name === 'string' && name !== ''))
    throw new ConfigError('claimPath', 'needs one or more non-empty claim names')
  return Object.freeze({ path: Object.freeze([...names]) })
}

/** True for a string claim name or a path made by {@link claimPath}; anything else is refused at start-up. */
export function isClaimPath(value: unknown): value is ClaimPath {
  if (typeof value === 'string') return value !== ''
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const { path } = value as { path?: unknown }
  return (
    Array.isArray(path) &&
    path.length > 0 &&
    path.every((name) => typeof name === 'string' && name !== '') &&
    Object.keys(value).length === 1
  )
}

/** Where well-known providers put roles. Each preset is exactly one path. */
export const rolePresets = {
  /** `roles`: Microsoft Entra ID app roles, Auth0 custom rules, many others. */
  roles: 'roles',
  /** `groups`: Okta, Entra ID group claims. */
  groups: 'groups',
  /** `cognito:groups`: Amazon Cognito user pool groups. */
  cognito: 'cognito:groups',
  /** `realm_access.roles`: Keycloak realm roles. */
  keycloakRealm: claimPath('realm_access', 'roles'),
  /** `resource_access.<client>.roles`: Keycloak client roles. */
  keycloakClient: (clientId: string): NestedClaimPath => {
    if (typeof clientId !== 'string' || clientId === '')
      throw new ConfigError('rolePresets.keycloakClient', 'needs the client id as a non-empty string')
    return claimPath('resource_access', clientId, 'roles')
  },
} as const

/** Claims roles are read from unless a guard says otherwise. */
export const DEFAULT_ROLE_CLAIMS: readonly ClaimPath[] = [
  rolePresets.roles,
  rolePresets.groups,
  rolePresets.cognito,
  rolePresets.keycloakRealm,
]

function own(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined
}

/** The value at `path` in `payload`, reading own properties only; `undefined` when absent. */
export function readClaim(payload: unknown, path: ClaimPath): unknown {
  if (typeof path === 'string') return own(payload, path)
  return path.path.reduce<unknown>((value, key) => own(value, key), payload)
}

/** A space-delimited list (RFC 6749 §3.3 scope), or an array of which only the strings count. */
function scopeTokens(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((item) => item !== '')
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string')
  return []
}

/**
 * Scopes of a token: `scope` (space-delimited string, RFC 8693 §4.2 / RFC 9068 §2.2.3), `scp` (string or
 * array: Okta, Entra ID) and `permissions` (array: Auth0 RBAC). Tokens are split on single spaces only
 * (RFC 6749 §3.3), so `read,write` or `read\twrite` grant neither scope.
 */
export function scopesOf(payload: unknown): Set<string> {
  const permissions = readClaim(payload, 'permissions')
  return new Set([
    ...scopeTokens(readClaim(payload, 'scope')),
    ...scopeTokens(readClaim(payload, 'scp')),
    ...(Array.isArray(permissions) ? scopeTokens(permissions) : []),
  ])
}

/**
 * Roles of a token, read from each of `paths`: an array of strings, or one string that is **one** role.
 * Role names may contain spaces (`"Billing admin"`), so a role claim is never split: only scope claims
 * are space-delimited lists.
 */
export function rolesOf(payload: unknown, paths: readonly ClaimPath[]): Set<string> {
  const roles = new Set<string>()
  for (const path of paths) {
    const value = readClaim(payload, path)
    if (typeof value === 'string') {
      if (value !== '') roles.add(value)
    } else if (Array.isArray(value)) {
      for (const role of value) if (typeof role === 'string' && role !== '') roles.add(role)
    }
  }
  return roles
}
