import { ConfigError } from './errors.js'

/** A misspelt option (`jwks.timout`) would otherwise silently fall back to its default. */
export function rejectUnknown(value: object, known: ReadonlySet<string>, prefix: string): void {
  for (const name of Object.keys(value)) {
    if (!known.has(name)) throw new ConfigError(`${prefix}${name}`, 'is not a known option')
  }
}

export function number(
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(option, `must be a number from ${min} to ${max}`)
  }
  return value
}

export function nonEmptyStrings(value: unknown, option: string): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((item) => typeof item === 'string' && item.length > 0)) {
    throw new ConfigError(option, 'must be a non-empty string or a non-empty array of non-empty strings')
  }
  return list as string[]
}

export function optionalFunction<T>(value: T, option: string): T {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(option, 'must be a function')
  return value
}
