/**
 * Making remote values safe for a terminal: everything printed from a token, a discovery document or a
 * JWK Set is attacker-controlled, and an escape sequence in a claim must not recolour, move or erase
 * what the operator reads.
 */

// C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** Longest value printed in a table cell. */
const MAX_CELL_CHARS = 200

function escapeCharacter(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** A string with every control and bidi character escaped as `\uXXXX`, cut at `max` characters. */
export function safe(value: string, max = MAX_CELL_CHARS): string {
  const bounded = value.length > max ? `${value.slice(0, max)}…` : value
  return bounded.replace(UNSAFE_CHARACTERS, escapeCharacter)
}

/** Any JSON value as one safe line: strings bare, the rest as compact JSON. */
export function display(value: unknown, max = MAX_CELL_CHARS): string {
  if (typeof value === 'string') return safe(value, max)
  if (value === undefined) return '(none)'
  return safe(JSON.stringify(value) ?? String(value), max)
}

/** Any JSON value as one safe line, strings quoted: `"https://api.example"`, `["a","b"]`. */
export function quoted(value: unknown, max = MAX_CELL_CHARS): string {
  return value === undefined ? '(none)' : safe(JSON.stringify(value) ?? String(value), max)
}

/** `JSON.stringify` for `--json` output, with the characters JSON leaves raw (C1, bidi) escaped too. */
export function toJson(value: unknown): string {
  // JSON.stringify escapes C0 controls in strings already; the layout's own newlines must stay.
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, escapeCharacter)
}

/** "in 4 min", "2 h ago", "in 3 days": a duration from now, rounded to one readable unit. */
export function relativeTime(seconds: number, nowSeconds: number): string {
  const delta = seconds - nowSeconds
  const size = Math.abs(delta)
  const amount =
    size < 90
      ? `${Math.round(size)} s`
      : size < 90 * 60
        ? `${Math.round(size / 60)} min`
        : size < 48 * 3600
          ? `${Math.round(size / 3600)} h`
          : `${Math.round(size / 86400)} days`
  return delta >= 0 ? `in ${amount}` : `${amount} ago`
}

/** A NumericDate as an ISO date, or `undefined` when it is not a finite number. */
export function isoDate(seconds: unknown): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace('.000Z', 'Z')
}

/** Rows as aligned columns (each cell already safe). */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows
    .map((row) =>
      (
        indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')
      ).trimEnd(),
    )
    .join('\n')
}
