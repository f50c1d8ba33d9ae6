import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './exit-codes.js'

type Options = NonNullable<ParseArgsConfig['options']>

export type Parsed<T extends Options> = ReturnType<
  typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>
>

/** `parseArgs` with its errors (unknown flag, missing value) turned into usage errors. */
export function parseOptions<T extends Options>(
  argv: readonly string[],
  options: T,
  maxPositionals: number,
): Parsed<T> {
  let parsed: Parsed<T>
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true })
  } catch (error) {
    // Node's messages name the flag and say what is wrong; they never hold more than the flag.
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  if (parsed.positionals.length > maxPositionals)
    throw new UsageError(
      `unexpected argument(s): ${parsed.positionals.length - maxPositionals} more than expected`,
    )
  return parsed
}

/** A list option given as repeated flags and/or comma- or space-separated values. */
export function listOf(values: string | string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined
  const list = (Array.isArray(values) ? values : [values]).flatMap((value) => value.split(/[\s,]+/))
  return list.filter((value) => value !== '')
}

/** A number option (seconds or milliseconds), or a usage error naming the flag. */
export function numberOf(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number)) throw new UsageError(`--${flag} must be a number`)
  return number
}
