import { AuthError, ConfigError } from '../errors.js'
import type { IssuerOption, VerifierOptions } from '../options.js'
import { safeValue, show } from '../reason.js'

/**
 * A provider profile's mandatory checks travel with the options it returns as one `profile` option, next to
 * the `issuer` and `audience` it set. They run on every token after the signature and standard claims and
 * before `validate`, so neither a user's `validate` nor another spread option can drop them; overriding the
 * profile's `issuer` or `audience` is a `ConfigError`.
 */
export interface ProviderProfile {
  /** The provider, for messages (`cognito`, `entra`, …). */
  readonly name: string
  /** The `issuer` and `audience` the profile set; others are refused at start-up. */
  readonly issuer: IssuerOption
  readonly audience: VerifierOptions['audience']
  /** The provider's mandatory checks. @throws AuthError `claim_invalid` */
  check(payload: Record<string, unknown>): void
}

/** Refuses a token whose `claim` is not one of `expected` (exact, string values). */
export function requireClaimOneOf(
  payload: Record<string, unknown>,
  claim: string,
  expected: readonly unknown[],
  profile: string,
): void {
  const actual = payload[claim]
  if (expected.includes(actual)) return
  throw new AuthError('claim_invalid', {
    claim,
    reason: {
      check: 'claim',
      message: `claim "${claim}" ${actual === undefined ? '(none)' : show(actual)} is not ${JSON.stringify(expected)} (profiles.${profile})`,
      expected: expected as string[],
      actual: actual === undefined ? null : safeValue(actual),
    },
  })
}

/** Checks the `profile` option at start-up: the options still hold the profile's issuer and audience. */
export function resolveProfile(options: VerifierOptions): ProviderProfile | undefined {
  const { profile } = options
  if (profile === undefined) return undefined
  if (typeof profile !== 'object' || profile === null || typeof profile.check !== 'function')
    throw new ConfigError('profile', 'must come from profiles.<provider>(…)')
  for (const name of ['issuer', 'audience'] as const)
    if (options[name] !== profile[name])
      throw new ConfigError(
        name,
        `differs from the one profiles.${profile.name}() set: configure it through the profile's options`,
      )
  return profile
}
