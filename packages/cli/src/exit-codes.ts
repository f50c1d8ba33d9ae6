/**
 * Exit codes of the `tokenguard` command, stable for scripts.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | valid (`verify`), decoded (`inspect`), at least one usable key (`keys`) |
 * | 1 | invalid: the verifier refused the token, the input is not a JWT, or no key is usable |
 * | 2 | usage error: unknown command or flag, missing or bad option, no token given |
 * | 3 | keys or issuer unreachable: discovery or the JWK Set fetch failed |
 *
 * @example
 * ```ts
 * import { EXIT_CODES } from '@tokenguard/cli'
 * if (status === EXIT_CODES.unreachable) console.warn('the issuer is down')
 * ```
 */
export const EXIT_CODES = Object.freeze({
  valid: 0,
  invalid: 1,
  usage: 2,
  unreachable: 3,
} as const)

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** A mistake in the command line: reported on stderr with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}
