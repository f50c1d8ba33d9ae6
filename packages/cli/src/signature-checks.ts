import { createVerifier, isAuthError, type AuthError, type VerifiedToken } from '@tokenguard/core'
import type { CheckResult } from './check-result.js'
import type { DecodedToken } from './decode-token.js'
import { quoted, safe } from './text.js'
import { DEFAULT_ALGORITHMS } from './token-warnings.js'
import type { VerifySetup } from './verify-options.js'

/**
 * The steps the core runs before and including the signature, in its order (create-verifier.ts:
 * issuer routing, algorithm allowlist, `typ`, key lookup, signature). A refusal at one of them means the
 * later ones never ran; a refusal after them means the signature verified.
 */
export const SIGNATURE_STEPS = ['iss', 'alg', 'typ', 'kid', 'signature'] as const
export type SignatureStep = (typeof SIGNATURE_STEPS)[number]

/** Where a refusal happened: a step up to the signature, `syntax`, or `claims` (after the signature). */
export function stageOf(error: AuthError): SignatureStep | 'syntax' | 'claims' {
  switch (error.code) {
    case 'token_malformed':
      return 'syntax'
    case 'algorithm_not_allowed':
      return 'alg'
    case 'key_not_found':
    case 'keys_unavailable':
      return 'kid'
    case 'signature_invalid':
      return 'signature'
    case 'claim_invalid':
      // An untrusted `iss` and a refused `typ` are found before any key is looked up.
      if (error.reason.check === 'iss' || error.reason.check === 'typ') return error.reason.check
      return 'claims'
    default:
      return 'claims'
  }
}

/** The core's `reason.message`, made safe for a terminal (the core already bounds and escapes token values). */
export function why(error: AuthError): string {
  return safe(error.reason.message, 400)
}

export async function attempt(
  run: () => Promise<VerifiedToken>,
): Promise<{ result?: VerifiedToken; error?: AuthError }> {
  try {
    return { result: await run() }
  } catch (error) {
    if (!isAuthError(error)) throw error
    return { error }
  }
}

/** Pass messages of the steps up to the signature, from the decoded header and claims. */
function passMessage(
  step: (typeof SIGNATURE_STEPS)[number],
  token: DecodedToken,
  setup: VerifySetup,
  keySource: string,
): string {
  const { header, payload } = token
  const algorithms = setup.options.algorithms ?? DEFAULT_ALGORITHMS
  switch (step) {
    case 'iss':
      return `iss ${quoted(payload.iss)} is the configured issuer`
    case 'alg':
      return `alg ${quoted(header.alg)} is accepted (${[...algorithms].join(', ')})`
    case 'typ':
      return header.typ === undefined ? 'no typ (accepted)' : `typ ${quoted(header.typ)} is accepted`
    case 'kid':
      return `${header.kid === undefined ? 'a key without kid' : `kid ${quoted(header.kid)}`} found in ${keySource}`
    case 'signature':
      return `verifies with that key (${quoted(header.alg)})`
  }
}

/**
 * The steps from `SIGNATURE_STEPS[from]` to the signature: those before the refusal passed, the refused one
 * failed with the core's reason, the later ones were never run (the core stops there too).
 */
export function signatureSteps(
  error: AuthError | undefined,
  token: DecodedToken,
  setup: VerifySetup,
  keySource: string,
  from: number,
): { checks: CheckResult[]; signatureVerified: boolean } {
  const stage = error === undefined ? 'claims' : stageOf(error)
  const stop = stage === 'syntax' ? 0 : SIGNATURE_STEPS.indexOf(stage as never)
  const checks: CheckResult[] = []
  SIGNATURE_STEPS.slice(from).forEach((step, offset) => {
    const index = from + offset
    if (stop === -1 || index < stop)
      checks.push({ check: step, status: 'pass', message: passMessage(step, token, setup, keySource) })
    else if (index === stop && error && stage !== 'syntax')
      checks.push({ check: step, status: 'fail', message: why(error), code: error.code })
    else
      checks.push({
        check: step,
        status: 'skip',
        message: `not checked: the verifier stops at the failed ${stage}`,
      })
  })
  return { checks, signatureVerified: stop === -1 }
}

/** A time inside the token's validity window, so that a second verifier can reach the signature. */
function insideValidity(payload: Record<string, unknown>): number {
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)
  const exp = number(payload.exp)
  const earliest = Math.max(number(payload.nbf) ?? -Infinity, number(payload.iat) ?? -Infinity)
  let now = Date.now() / 1000
  if (earliest > now) now = earliest
  if (exp !== undefined && now >= exp) now = exp - 1
  return now * 1000
}

/**
 * Past an untrusted `iss` the core looks up no key. To go on, a second verifier accepts any issuer but
 * uses the configured issuer's keys and algorithms, with every claim rule relaxed: its refusal says
 * whether the key lookup and the signature would pass.
 */
export async function pastUntrustedIssuer(
  token: string,
  decoded: DecodedToken,
  setup: VerifySetup,
  jwksUri: string | undefined,
): Promise<{ checks: CheckResult[]; signatureVerified: boolean }> {
  if (jwksUri === undefined) {
    const checks = SIGNATURE_STEPS.slice(1).map((check): CheckResult => ({
      check,
      status: 'skip',
      message: "not checked: the issuer's keys could not be loaded",
    }))
    return { checks, signatureVerified: false }
  }
  const { options } = setup
  const diagnostic = createVerifier({
    issuer: null,
    audience: null,
    jwksUri,
    requiredClaims: [],
    cache: false,
    now: () => insideValidity(decoded.payload),
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
    ...(options.tokenType ? { tokenType: options.tokenType } : {}),
    ...(options.allowHttpHosts ? { allowHttpHosts: options.allowHttpHosts } : {}),
    ...(options.jwks ? { jwks: options.jwks } : {}),
  })
  const { error } = await attempt(() => diagnostic.verify(token))
  const found = signatureSteps(error, decoded, setup, jwksUri, 1)
  for (const check of found.checks)
    if (check.status !== 'skip') check.message += " (checked with the configured issuer's keys)"
  return found
}
