import { ConfigError } from '@tokenguard/core'
import { EXIT_CODES, UsageError, type ExitCode } from './exit-codes.js'
import { runInspect } from './inspect.js'
import { runKeys } from './keys.js'
import type { Io } from './read-token.js'
import { safe } from './text.js'
import { runVerify } from './verify.js'

export const HELP = `Usage: tokenguard <command> [options]

Explains JWT access tokens, rejections and JWK Set health on your machine, with the real
@tokenguard/core verifier. Tokens never leave the machine and are never printed.

Commands:
  inspect [token]   header and claims as a table, times from now, warnings (verifies nothing)
  verify [token]    the real verifier, every check explained (--issuer, --audience required)
  keys              discovery and JWK Set health (--issuer or --jwks-uri)

Tokens are read from standard input; a token given as an argument is accepted with a warning (it is
kept in your shell history and visible in \`ps\`). Every command takes --json and --help.

Exit codes: 0 valid, 1 invalid, 2 usage error, 3 keys or issuer unreachable.
Example: echo "$TOKEN" | npx @tokenguard/cli verify --issuer https://idp.example.com/ --audience api
Run \`tokenguard <command> --help\` for a command's options.`

const COMMANDS: Record<string, (argv: readonly string[], io: Io) => Promise<ExitCode>> = {
  inspect: runInspect,
  verify: runVerify,
  keys: runKeys,
}

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    ;(command === undefined ? io.stderr : io.stdout).write(`${HELP}\n`)
    return command === undefined ? EXIT_CODES.usage : EXIT_CODES.valid
  }
  const run = COMMANDS[command]
  try {
    if (!run) throw new UsageError(`unknown command "${safe(command, 40)}" (inspect, verify or keys)`)
    return await run(rest, io)
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(
        `error: ${safe(error.message, 400)}\nRun \`tokenguard ${run ? `${command} ` : ''}--help\` for usage.\n`,
      )
      return EXIT_CODES.usage
    }
    throw error
  }
}
