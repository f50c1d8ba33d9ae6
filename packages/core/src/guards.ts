import { ConfigError, AuthError, type ReasonDetails } from './errors.js'
import { safeValue, type ReasonCheck } from './reason.js'
import {
  DEFAULT_ROLE_CLAIMS,
  isClaimPath,
  readClaim,
  rolesOf,
  scopesOf,
  type ClaimPath,
} from './claim-values.js'
import type { TokenPayload, VerifiedToken } from './types.js'
import type { Challenge } from './www-authenticate.js'

/**
 * A guard checks an already verified token. It throws `credentials_required` (401) when the request was
 * not authenticated and `insufficient_scope` (403) when the token lacks what the route needs. Adapters
 * wrap guards as their framework's handlers.
 */
export interface Guard {
  /**
   * `context` is the challenge of the middleware that authenticated the request (its `challenge`), or
   * just its `realm`: the refusal then answers in the request's scheme (Bearer or DPoP).
   */
  (auth: VerifiedToken | null | undefined, context?: string | Challenge): void
  /** What the guard requires, for documentation and route metadata. */
  readonly requirement: GuardRequirement
}

export type GuardRequirement =
  | { kind: 'scopes'; match: 'all' | 'any'; values: readonly string[] }
  | { kind: 'roles'; match: 'all' | 'any'; values: readonly string[]; claims: readonly ClaimPath[] }
  | { kind: 'claims' }
  | { kind: 'claim'; match: 'equals' | 'includes'; claim: ClaimPath; values: readonly ClaimValue[] }

/** A JSON primitive a claim is compared with, using `===`. */
export type ClaimValue = string | number | boolean | null

export interface RoleGuardOptions {
  /**
   * Where roles are read from: one claim path, or a list of them. A path is a top-level claim name
   * (`'roles'`) or a nested path made by `claimPath(...)` or a `rolePresets` entry, so
   * `claims: rolePresets.keycloakClient('api')` is one path and `claims: ['roles', 'groups']` two names.
   * Default: `roles`, `groups`, `cognito:groups`, `realm_access.roles`.
   */
  claims?: ClaimPath | readonly ClaimPath[]
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
  const fn = (auth: VerifiedToken | null | undefined, context?: string | Challenge) => {
    const challenge = challengeOf(auth, context)
    // With RFC 9728 metadata (MCP clients), the 401 says which scopes to ask for (RFC 6750 §3).
    if (!auth)
      throw new AuthError('credentials_required', {
        challenge,
        ...(scope && challenge.resourceMetadata !== undefined ? { scope } : {}),
      })
    const options = { ...(scope ? { scope } : {}), challenge }
    let granted: boolean
    try {
      granted = check(auth.payload as TokenPayload)
    } catch (cause) {
      // A predicate that throws denies access (fail closed) instead of escaping as a 500.
      throw new AuthError('insufficient_scope', {
        ...options,
        cause,
        reason: { check: checkOf(requirement), message: `the ${requirement.kind} check threw` },
      })
    }
    if (!granted)
      throw new AuthError('insufficient_scope', { ...options, reason: denial(requirement, auth.payload) })
  }
  return Object.assign(fn, { requirement })
}

/** The request's challenge: the middleware's, answered in the scheme the token came with. */
function challengeOf(
  auth: VerifiedToken | null | undefined,
  context: string | Challenge | undefined,
): Challenge {
  if (context === undefined) return {}
  if (typeof context === 'string') return { realm: context }
  if (context.dpopAlgorithms === undefined || !auth) return context
  return { ...context, scheme: auth.binding?.method === 'dpop' ? 'DPoP' : 'Bearer' }
}

/** Claim guards report as `predicate` with `claim` set: a guard over claims, as `requireClaims` is. */
function checkOf(requirement: GuardRequirement): ReasonCheck {
  return requirement.kind === 'scopes' ? 'scope' : requirement.kind === 'roles' ? 'role' : 'predicate'
}

function claimName(claim: ClaimPath): string {
  return typeof claim === 'string' ? claim : claim.path.join('.')
}

/** What the route requires and what the token grants (bounded and escaped), for the operator. */
function denial(requirement: GuardRequirement, payload: unknown): ReasonDetails {
  if (requirement.kind === 'claims')
    return { check: 'predicate', message: 'the requireClaims predicate did not return true' }
  if (requirement.kind === 'claim') {
    const { match, claim, values } = requirement
    const actual = safeValue(readClaim(payload, claim))
    const name = claimName(claim)
    const needs =
      match === 'equals' ? `to equal ${JSON.stringify(values[0])}` : `to include ${JSON.stringify(values)}`
    return {
      check: 'predicate',
      claim: name,
      message: `the route requires claim "${name}" ${needs}; the token holds ${JSON.stringify(actual) ?? 'nothing'}`,
      expected: match === 'equals' ? (values[0] as ClaimValue) : values,
      actual,
    }
  }
  const { kind, match, values } = requirement
  const granted = requirement.kind === 'scopes' ? scopesOf(payload) : rolesOf(payload, requirement.claims)
  const actual = safeValue([...granted])
  const needs = `${match === 'all' ? 'every one' : 'one'} of ${JSON.stringify(values)}`
  return {
    check: checkOf(requirement),
    message: `the route requires ${needs} (${kind}); the token grants ${JSON.stringify(actual)}`,
    expected: values,
    actual,
  }
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
 * One path or a list of paths. A nested array is refused rather than guessed at: read as one path or as
 * several names, it would look in claims the user never meant (another issuer's top-level `roles`).
 */
function resolveRoleClaims(claims: RoleGuardOptions['claims']): readonly ClaimPath[] {
  if (claims === undefined) return DEFAULT_ROLE_CLAIMS
  const list: readonly unknown[] = Array.isArray(claims) ? claims : [claims]
  if (list.length === 0 || !list.every(isClaimPath)) {
    throw new ConfigError(
      'requireRoles.claims',
      'must be a claim name, a claimPath(...) / rolePresets path, or a non-empty array of them (write nested paths with claimPath(...))',
    )
  }
  return Object.freeze([...list]) as readonly ClaimPath[]
}

/**
 * Requires roles, read from the usual role claims of Entra ID, Okta, Cognito and Keycloak. Pass an
 * options object last to choose the claims or `match: 'any'`.
 *
 * @example
 * ```ts
 * requireRoles('admin')
 * requireRoles('editor', 'admin', { match: 'any', claims: rolePresets.keycloakClient('my-api') })
 * ```
 */
export function requireRoles(...args: [...roles: string[], options: RoleGuardOptions] | string[]): Guard {
  const last = args[args.length - 1]
  const hasOptions = typeof last === 'object' && last !== null && !Array.isArray(last)
  const options: RoleGuardOptions = hasOptions ? (last as RoleGuardOptions) : {}
  // A misspelt option (`claim:`) would otherwise fall back to the default claims without a word.
  const unknown = Object.keys(options).find((name) => name !== 'claims' && name !== 'match')
  if (unknown !== undefined) throw new ConfigError(`requireRoles.${unknown}`, 'is not a known option')
  // `claims: process.env.ROLE_CLAIM` with the variable unset must not fall back to the default claims.
  if (Object.hasOwn(options, 'claims') && options.claims === undefined)
    throw new ConfigError('requireRoles.claims', 'is undefined: leave it out for the default claims')
  const roles = requireNames(hasOptions ? args.slice(0, -1) : args, 'requireRoles')
  const claims = resolveRoleClaims(options.claims)
  const match = options.match ?? 'all'
  if (match !== 'all' && match !== 'any')
    throw new ConfigError('requireRoles.match', 'must be "all" or "any"')
  return guard({ kind: 'roles', match, values: roles, claims }, (payload) => {
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

function isClaimValue(value: unknown): value is ClaimValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
}

function requireClaimPath(claim: unknown, guard: string): ClaimPath {
  if (!isClaimPath(claim))
    throw new ConfigError(guard, 'needs a claim name or a claimPath(...) as its first argument')
  return claim
}

/**
 * Requires the claim at `claim` to be exactly `value` (`===`: no type coercion, so `'1'` is not `1`).
 * A claim that is absent, or an object or array, never matches. 403 `insufficient_scope` otherwise, with
 * a `predicate` reason naming the claim.
 *
 * @param claim a top-level claim name (`'tenant'`, `'https://example.com/org'`) or `claimPath(...)`
 * @param value a string, a finite number, a boolean or `null`
 * @throws ConfigError at start-up for a bad claim or value
 * @example
 * ```ts
 * requireClaimEquals('tenant', 'acme')
 * requireClaimEquals(claimPath('org', 'plan'), 'enterprise')
 * ```
 */
export function requireClaimEquals(claim: ClaimPath, value: ClaimValue): Guard {
  const path = requireClaimPath(claim, 'requireClaimEquals')
  if (!isClaimValue(value))
    throw new ConfigError(
      'requireClaimEquals',
      'needs a string, a finite number, a boolean or null to compare with',
    )
  return guard(
    { kind: 'claim', match: 'equals', claim: path, values: Object.freeze([value]) },
    (payload) => readClaim(payload, path) === value,
  )
}

/**
 * Requires the claim at `claim` to be an array holding every one of `values` (each compared with `===`).
 * 403 `insufficient_scope` otherwise, with a `predicate` reason naming the claim.
 *
 * A string claim is **not** split on spaces (unlike express-oauth2-jwt-bearer's `claimIncludes`): a
 * value such as `"Billing admin"` would then include `admin`. For space-delimited scopes use
 * `requireScopes`; for one string value use {@link requireClaimEquals}.
 *
 * @throws ConfigError at start-up for a bad claim, or no values, or a value that is not a JSON primitive
 * @example
 * ```ts
 * requireClaimIncludes('amr', 'mfa')
 * requireClaimIncludes(claimPath('realm_access', 'roles'), 'editor', 'publisher')
 * ```
 */
export function requireClaimIncludes(claim: ClaimPath, ...values: ClaimValue[]): Guard {
  const path = requireClaimPath(claim, 'requireClaimIncludes')
  // An empty requirement would silently allow every token that has the claim.
  if (values.length === 0 || !values.every(isClaimValue))
    throw new ConfigError(
      'requireClaimIncludes',
      'needs one or more strings, finite numbers, booleans or null after the claim',
    )
  const expected = Object.freeze([...values])
  return guard({ kind: 'claim', match: 'includes', claim: path, values: expected }, (payload) => {
    const actual = readClaim(payload, path)
    return Array.isArray(actual) && expected.every((value) => actual.includes(value))
  })
}
