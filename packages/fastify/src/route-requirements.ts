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

const BUILDERS = {
  scopes: (values: string[]) => requireScopes(...values),
  anyScope: (values: string[]) => requireAnyScope(...values),
  roles: (values: string[]) => requireRoles(...values),
} satisfies Record<keyof RouteAuthConfig, (values: string[]) => GuardHook>

const compiled = new WeakMap<object, GuardHook[]>()

/**
 * Turns a route's `config.auth` into guard hooks, compiled once per config object. The plugin calls it when
 * a route is added, so a mistake (an unknown key, an empty list) stops the app at start-up.
 */
export function routeGuards(config: unknown, route: string): GuardHook[] {
  if (config === undefined || config === false) return []
  if (typeof config !== 'object' || config === null)
    throw new ConfigError(`${route} config.auth`, 'must be false or an object like { scopes: [...] }')
  let guards = compiled.get(config)
  if (!guards) compiled.set(config, (guards = compile(config, route)))
  return guards
}

function compile(config: object, route: string): GuardHook[] {
  return Object.entries(config).map(([name, values]) => {
    const build = BUILDERS[name as keyof RouteAuthConfig]
    if (!build) throw new ConfigError(`${route} config.auth.${name}`, 'is not scopes, anyScope or roles')
    if (!Array.isArray(values)) throw new ConfigError(`${route} config.auth.${name}`, 'must be an array')
    return build(values)
  })
}
