#!/usr/bin/env node
import { main } from './main.js'

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // A bug, not a verdict: say so without a token (none is ever put in an error message here).
    console.error(
      `tokenguard: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    )
    process.exitCode = 70
  },
)
