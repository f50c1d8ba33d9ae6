import type { CheckResult } from './check-result.js'
import { isoDate, quoted, relativeTime } from './text.js'

/**
 * Every claim rule of the core, evaluated one by one so that `verify` can report them all: the core
 * stops at the first failure. These follow packages/core/src/claims.ts (same presence rules, same
 * comparisons, same whole-second arithmetic); the verdict never comes from here, and `verify` replaces
 * the explanation of the check the core refused with the core's own `reason`.
 */

/** RFC 9068 §2.2: claims every JWT access token carries (`tokenType: 'at+jwt'`). */
const RFC9068_REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

export interface ClaimRules {
  audience: readonly string[] | null
  requiredClaims: readonly string[]
  clockTolerance: number
  maxTokenAge: number | undefined
  accessTokenOnly: boolean
}

function when(seconds: number, now: number): string {
  return `${isoDate(seconds) ?? seconds} (${relativeTime(seconds, now)})`
}

function timeCheck(
  claim: 'exp' | 'nbf' | 'iat',
  value: number,
  nowMs: number,
  rules: ClaimRules,
): CheckResult {
  const now = Math.floor(nowMs / 1000)
  const { clockTolerance: tolerance, maxTokenAge } = rules
  const fail = (message: string): CheckResult => ({ check: claim, status: 'fail', message })
  if (claim === 'exp') {
    if (value <= now - tolerance) return fail(`expired ${when(value, now)}; clock tolerance ${tolerance} s`)
    return { check: claim, status: 'pass', message: `expires ${when(value, now)}` }
  }
  if (claim === 'nbf') {
    if (value > now + tolerance)
      return fail(`not valid before ${when(value, now)}; clock tolerance ${tolerance} s`)
    return { check: claim, status: 'pass', message: `valid since ${when(value, now)}` }
  }
  if (maxTokenAge !== undefined && now - value - tolerance > maxTokenAge)
    return fail(`issued ${when(value, now)}: older than maxTokenAge ${maxTokenAge} s`)
  if (value > nowMs / 1000 + tolerance || (maxTokenAge !== undefined && now - value < -tolerance))
    return fail(`issued in the future: ${when(value, now)}; clock tolerance ${tolerance} s`)
  return { check: claim, status: 'pass', message: `issued ${when(value, now)}` }
}

function audienceCheck(aud: unknown, audience: readonly string[]): CheckResult {
  const matches =
    typeof aud === 'string'
      ? audience.includes(aud)
      : Array.isArray(aud) && audience.some((a) => aud.includes(a))
  return matches
    ? { check: 'aud', status: 'pass', message: `aud ${quoted(aud)} contains an accepted audience` }
    : {
        check: 'aud',
        status: 'fail',
        message: `aud ${quoted(aud)} contains none of the accepted audiences ${quoted(audience)}`,
      }
}

/** The claim checks of a verified payload, in the core's order, one result per claim. */
export function claimChecks(
  payload: Record<string, unknown>,
  nowMs: number,
  rules: ClaimRules,
): CheckResult[] {
  const results = new Map<string, CheckResult>()
  const failOnce = (check: string, message: string) => {
    if (results.get(check)?.status !== 'fail') results.set(check, { check, status: 'fail', message })
  }
  const required = new Set(rules.requiredClaims)
  if (rules.accessTokenOnly) for (const claim of RFC9068_REQUIRED_CLAIMS) required.add(claim)
  if (rules.audience !== null) required.add('aud')
  if (rules.maxTokenAge !== undefined) required.add('iat')
  required.delete('iss') // checked first, when the token is routed to its issuer

  for (const claim of required)
    if (!Object.hasOwn(payload, claim)) failOnce(claim, `required claim "${quoted(claim)}" is missing`)

  if (rules.audience === null)
    results.set('aud', { check: 'aud', status: 'skip', message: 'not checked: any audience accepted' })
  else if (Object.hasOwn(payload, 'aud')) results.set('aud', audienceCheck(payload.aud, rules.audience))

  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    if (results.has(claim)) continue
    const value = payload[claim]
    if (value === undefined)
      results.set(claim, { check: claim, status: 'pass', message: 'absent (optional)' })
    else if (typeof value !== 'number' || !Number.isFinite(value))
      failOnce(claim, `claim "${claim}" must be a finite number, not ${quoted(value)}`)
    else results.set(claim, timeCheck(claim, value, nowMs, rules))
  }

  const strings = ['iss', 'sub', 'jti', ...(rules.accessTokenOnly ? ['client_id'] : [])]
  for (const claim of strings) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string')
      failOnce(claim, `claim "${claim}" must be a string, not ${quoted(payload[claim])}`)
  }
  const { aud } = payload
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.every((m) => typeof m === 'string'))
  )
    failOnce('aud', `claim "aud" must be a string or an array of strings, not ${quoted(aud)}`)

  for (const claim of required) {
    if (!results.has(claim))
      results.set(claim, { check: claim, status: 'pass', message: `present: ${quoted(payload[claim], 80)}` })
  }
  return [...results.values()]
}
