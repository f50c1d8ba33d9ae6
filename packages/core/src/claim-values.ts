/**
 * Reads scopes and roles out of verified claims, wherever an identity provider puts them. Only own
 * properties are read, so `__proto__`, `constructor` or `toString` never resolve to something inherited.
 */

/** A claim path: a top-level claim name (`'cognito:groups'`) or a list of nested names. */
export type ClaimPath = string | readonly string[]

/** Where well-known providers put roles. */
export const rolePresets = {
  /** `roles`: Microsoft Entra ID app roles, Auth0 custom rules, many others. */
  roles: 'roles',
  /** `groups`: Okta, Entra ID group claims. */
  groups: 'groups',
  /** `cognito:groups`: Amazon Cognito user pool groups. */
  cognito: 'cognito:groups',
  /** `realm_access.roles`: Keycloak realm roles. */
  keycloakRealm: ['realm_access', 'roles'],
  /** `resource_access.<client>.roles`: Keycloak client roles. */
  keycloakClient: (clientId: string): readonly string[] => ['resource_access', clientId, 'roles'],
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

export function readClaim(payload: unknown, path: ClaimPath): unknown {
  const keys = typeof path === 'string' ? [path] : path
  return keys.reduce<unknown>((value, key) => own(value, key), payload)
}

function strings(value: unknown): string[] {
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
  return new Set([
    ...strings(readClaim(payload, 'scope')),
    ...strings(readClaim(payload, 'scp')),
    ...(Array.isArray(readClaim(payload, 'permissions')) ? strings(readClaim(payload, 'permissions')) : []),
  ])
}

/** Roles of a token, read from each of `paths` (strings or arrays of strings). */
export function rolesOf(payload: unknown, paths: readonly ClaimPath[]): Set<string> {
  const roles = new Set<string>()
  for (const path of paths) {
    const value = readClaim(payload, path)
    if (Array.isArray(value) || typeof value === 'string') for (const role of strings(value)) roles.add(role)
  }
  return roles
}
