import { tokenId } from '@tokenguard/core'
import { decodeToken, NotAJwtError } from './decode-token.js'
import { EXIT_CODES, type ExitCode } from './exit-codes.js'
import { parseOptions } from './parse-options.js'
import { readToken, type Io } from './read-token.js'
import { display, isoDate, relativeTime, table, toJson } from './text.js'
import { tokenWarnings } from './token-warnings.js'

export const INSPECT_HELP = `Usage: tokenguard inspect [token] [--json]

Shows a token's header and claims, its times as dates and from now, and warnings for what a verifier
would refuse. Nothing is verified: the signature, issuer and audience are not checked (use verify).

The token is read from standard input. A token given as an argument is accepted with a warning: it is
kept in your shell history and visible in \`ps\`.

Options:
  --json    one JSON object on standard output
  -h, --help

Exit codes: 0 decoded, 1 not a JWT, 2 usage error.
Example: pbpaste | npx @tokenguard/cli inspect`

const OPTIONS = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const

const TIME_CLAIMS = new Set(['exp', 'nbf', 'iat', 'auth_time'])

function timeNote(claim: string, value: unknown, now: number): string {
  const date = isoDate(value)
  if (date === undefined) return ''
  const relative = relativeTime(value as number, now)
  if (claim === 'exp') return `${date}  ${relative.startsWith('in') ? 'expires' : 'expired'} ${relative}`
  if (claim === 'nbf')
    return `${date}  ${relative.startsWith('in') ? 'valid from' : 'valid since'} ${relative}`
  return `${date}  ${relative}`
}

function rows(object: Record<string, unknown>, now: number): string[][] {
  return Object.entries(object).map(([name, value]) => {
    const cells = [display(name, 40), display(value)]
    const note = TIME_CLAIMS.has(name) ? timeNote(name, value, now) : ''
    return note ? [...cells, note] : cells
  })
}

/** `tokenguard inspect`: decodes and explains a token without verifying it. */
export async function runInspect(argv: readonly string[], io: Io): Promise<ExitCode> {
  const { values, positionals } = parseOptions(argv, OPTIONS, 1)
  if (values.help) {
    io.stdout.write(`${INSPECT_HELP}\n`)
    return EXIT_CODES.valid
  }
  const token = await readToken(positionals[0], io)
  const now = Date.now() / 1000
  let decoded
  try {
    decoded = decodeToken(token)
  } catch (error) {
    if (!(error instanceof NotAJwtError)) throw error
    if (values.json) io.stdout.write(`${toJson({ jwt: false, error: error.message })}\n`)
    else io.stderr.write(`error: not a JWT: ${error.message}\n`)
    return EXIT_CODES.invalid
  }
  const { header, payload, signatureBytes } = decoded
  const warnings = tokenWarnings(header, payload, now, token.length)
  if (values.json) {
    const times = Object.fromEntries(
      [...TIME_CLAIMS].flatMap((claim) => {
        const date = isoDate(payload[claim])
        return date === undefined
          ? []
          : [[claim, { date, relative: relativeTime(payload[claim] as number, now) }]]
      }),
    )
    const report = {
      jwt: true,
      verified: false,
      tokenId: tokenId(token),
      header,
      payload,
      times,
      signatureBytes,
      warnings,
    }
    io.stdout.write(`${toJson(report)}\n`)
    return EXIT_CODES.valid
  }
  const lines = [
    `Token ${tokenId(token)} (${token.length} characters; not verified)`,
    '',
    'Header',
    table(rows(header, now)),
    '',
    'Claims',
    table(rows(payload, now)),
    '',
    `Signature  ${signatureBytes} bytes, not checked: inspection is not verification (use \`tokenguard verify\`)`,
  ]
  if (warnings.length > 0) {
    lines.push('', 'Warnings')
    lines.push(table(warnings.map(({ subject, message }) => ['!', subject, message])))
  }
  io.stdout.write(`${lines.join('\n')}\n`)
  return EXIT_CODES.valid
}
