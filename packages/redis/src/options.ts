import { ConfigError } from '@tokenguard/core'

/** Rejects an options argument that is not an object, or that has a misspelt option. */
export function checkOptionNames(options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  for (const name of Object.keys(options))
    if (!known.includes(name)) throw new ConfigError(name, 'is not a known option')
  return options as Record<string, unknown>
}

export function integerOption(
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(option, `must be an integer from ${min} to ${max}`)
  return value
}

/** A key prefix: printable, no spaces, bounded, so that keys stay readable in `redis-cli`. */
export function prefixOption(value: unknown, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(value))
    throw new ConfigError('prefix', 'must be 1 to 128 printable ASCII characters without spaces')
  return value
}

export function functionOption<T>(value: unknown, option: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(option, 'must be a function')
  return value as T | undefined
}
