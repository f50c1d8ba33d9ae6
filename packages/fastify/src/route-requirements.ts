import { ConfigError } from '@tokenguard/core'
import { requireAnyScope, requireRoles, requireScopes, type GuardHook } from './guards.js'

/** What a route may require in `config.auth`. Every listed requirement must hold. */
export interface RouteAuthConfig {
  /** Every one of these scopes (`requireScopes`). */
  scopes?: string[]
  /** At least one of these scopes (`requireAnyScope`). */
  anyScope?: string[]
  /** Every one of these roles, from the usual role claims (`requireRoles`). */
  roles?: string[]
}

/**
 * A route as declared: its method(s) and its URL *pattern* (`/items/:id`, prefix included), never the URL
 * of a request, which the client chooses.
 */
export interface DeclaredRoute {
  method?: string | string[]
  url?: string
}

const BUILDERS = {
  scopes: (values: string[]) => requireScopes(...values),
  anyScope: (values: string[]) => requireAnyScope(...values),
  roles: (values: string[]) => requireRoles(...values),
} satisfies Record<keyof RouteAuthConfig, (values: string[]) => GuardHook>

const compiled = new WeakMap<object, GuardHook[]>()

/**
 * Turns a route's `config.auth` into guard hooks, compiled once per config object. The plugin calls it when
 * a route is added, so a mistake (an unknown key, an empty list) stops the app at start-up; the
 * `ConfigError` names the route by its declared method and pattern.
 */
export function routeGuards(config: unknown, route: DeclaredRoute): GuardHook[] {
  if (config === undefined || config === false) return []
  if (typeof config !== 'object' || config === null)
    throw new ConfigError(
      `${routeLabel(route)} config.auth`,
      'must be false or an object like { scopes: [...] }',
    )
  let guards = compiled.get(config)
  if (!guards) compiled.set(config, (guards = compile(config, route)))
  return guards
}

function compile(config: object, route: DeclaredRoute): GuardHook[] {
  return Object.entries(config).map(([name, values]) => {
    // Own keys only: `constructor` or `toString` would otherwise find a function on Object.prototype.
    const build = Object.hasOwn(BUILDERS, name) ? BUILDERS[name as keyof RouteAuthConfig] : undefined
    const option = `${routeLabel(route)} config.auth.${name}`
    if (!build) throw new ConfigError(option, 'is not scopes, anyScope or roles')
    if (!Array.isArray(values)) throw new ConfigError(option, 'must be an array')
    return build(values)
  })
}

/** `GET /items/:id`, or `GET,HEAD /items` for a method list. */
export function routeLabel(route: DeclaredRoute): string {
  const method = Array.isArray(route.method) ? route.method.join(',') : (route.method ?? '*')
  return `${method} ${route.url ?? '(unknown route)'}`
}
