import {
  createVerifier,
  isAuthError,
  tokenId,
  type AuthError,
  type Guard,
  type VerifiedToken,
  type Verifier,
} from '@tokenguard/core'
import type { CheckResult } from './check-result.js'
import { claimChecks } from './claim-checks.js'
import { decodeToken, NotAJwtError, type DecodedToken } from './decode-token.js'
import { EXIT_CODES, type ExitCode } from './exit-codes.js'
import { recordFetches, type FetchEvents } from './fetch-events.js'
import { keyChecks } from './key-checks.js'
import { parseOptions } from './parse-options.js'
import { readToken, type Io } from './read-token.js'
import { attempt, pastUntrustedIssuer, signatureSteps, stageOf, why } from './signature-checks.js'
import { display, quoted, safe, table, toJson } from './text.js'
import { bindingWarning } from './token-warnings.js'
import { VERIFY_HELP, VERIFY_OPTIONS, verifySetup, type VerifySetup } from './verify-options.js'

/** The claim checks, with the core's own explanation for the one it refused. */
function claimsAndBinding(
  decoded: DecodedToken,
  error: AuthError | undefined,
  setup: VerifySetup,
  nowMs: number,
): CheckResult[] {
  const { options } = setup
  const checks = claimChecks(decoded.payload, nowMs, {
    audience: options.audience === null ? null : [options.audience].flat(),
    requiredClaims: options.requiredClaims ?? ['exp'],
    clockTolerance: options.clockTolerance ?? 5,
    maxTokenAge: options.maxTokenAge,
    accessTokenOnly: options.tokenType === 'at+jwt',
  })
  if (Object.hasOwn(decoded.payload, 'cnf'))
    checks.push({
      check: 'cnf',
      status: 'offline',
      message: `binding not verifiable offline: ${bindingWarning(decoded.payload.cnf)}`,
    })
  if (error !== undefined && stageOf(error) === 'claims') {
    const name = error.code === 'binding_unverified' ? 'cnf' : (error.reason.claim ?? error.reason.check)
    const refused = checks.find((check) => check.check === name)
    if (refused)
      Object.assign(refused, {
        status: refused.status === 'offline' ? 'offline' : 'fail',
        message: refused.status === 'offline' ? refused.message : why(error),
        code: error.code,
      })
    else checks.push({ check: name, status: 'fail', message: why(error), code: error.code })
  }
  return checks
}

function fetchChecks(
  events: FetchEvents,
  setup: VerifySetup,
): { checks: CheckResult[]; jwksUri: string | undefined } {
  const checks = keyChecks(events)
  const discovered = events.discovery.find((event) => event.jwksUri !== undefined)?.jwksUri
  const jwksUri = setup.options.jwksUri ?? discovered
  return { checks, jwksUri }
}

function guardChecks(
  setup: VerifySetup,
  auth: VerifiedToken | undefined,
): { checks: CheckResult[]; refusal?: AuthError } {
  let refusal: AuthError | undefined
  const checks = setup.guards.map(({ name, guard }): CheckResult => {
    if (auth === undefined)
      return { check: name, status: 'skip', message: 'not checked: the signature did not verify' }
    try {
      guard(auth)
      return { check: name, status: 'pass', message: `the token grants ${requirementText(guard)}` }
    } catch (error) {
      if (!isAuthError(error)) throw error
      refusal ??= error
      return { check: name, status: 'fail', message: why(error), code: error.code }
    }
  })
  return { checks, ...(refusal ? { refusal } : {}) }
}

/** What a guard requires, as its refusal words it: `every one of ["read"] (scopes)`. */
function requirementText({ requirement }: Guard): string {
  if (requirement.kind !== 'scopes' && requirement.kind !== 'roles') return 'what the guard requires'
  return `${requirement.match === 'all' ? 'every one' : 'one'} of ${quoted(requirement.values)} (${requirement.kind})`
}

const LABELS: Record<CheckResult['status'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
  offline: 'OFFLINE',
}

interface Explanation {
  checks: CheckResult[]
  verdictError: AuthError | undefined
}

/** The checks of a token that decodes: signature steps, then claims and binding, then guards. */
async function explainToken(
  token: string,
  decoded: DecodedToken,
  outcome: Awaited<ReturnType<typeof attempt>>,
  setup: VerifySetup,
  jwksUri: string | undefined,
  nowMs: number,
): Promise<Explanation> {
  const { error } = outcome
  const checks: CheckResult[] = []
  if (error && stageOf(error) === 'syntax') {
    // The core's syntax rules are stricter than decoding (canonical base64url, a string alg, …).
    checks.push({ check: 'syntax', status: 'fail', message: why(error), code: error.code })
  } else
    checks.push({ check: 'syntax', status: 'pass', message: 'a compact JWS whose header and claims decode' })
  let steps = signatureSteps(error, decoded, setup, jwksUri ?? 'the configured keys', 0)
  if (error && stageOf(error) === 'iss') {
    const rest = await pastUntrustedIssuer(token, decoded, setup, jwksUri)
    steps = {
      checks: [steps.checks[0] as CheckResult, ...rest.checks],
      signatureVerified: rest.signatureVerified,
    }
  }
  checks.push(...steps.checks)
  if (steps.signatureVerified) checks.push(...claimsAndBinding(decoded, error, setup, nowMs))
  else
    checks.push({
      check: 'claims',
      status: 'skip',
      message: 'not checked: claims mean nothing until the signature verifies',
    })
  // Guards see what a route would see: the verified token; after a refused claim, the payload whose
  // signature verified (for the report only).
  const auth =
    outcome.result ??
    (steps.signatureVerified ? { header: decoded.header, payload: decoded.payload, token } : undefined)
  const guards = guardChecks(setup, auth as VerifiedToken | undefined)
  checks.push(...guards.checks)
  // The verdict: the verifier's refusal, else the first refusing guard (as on a route).
  return { checks, verdictError: error ?? guards.refusal }
}

/**
 * Runs the verifier once with the user's options (after `ready()`, which does discovery and the first
 * JWK Set fetch as the first request would) and explains its outcome. The verdict is always its own.
 */
async function explain(
  verifier: Verifier,
  token: string,
  setup: VerifySetup,
  events: FetchEvents,
): Promise<Explanation> {
  let decoded: DecodedToken | undefined
  let notAJwt = ''
  try {
    decoded = decodeToken(token)
  } catch (error) {
    if (!(error instanceof NotAJwtError)) throw error
    notAJwt = error.message
  }
  // A failed fetch is reported below, but the verdict stays the verifier's: an untrusted issuer, for
  // one, is refused before any key is needed.
  if (decoded) await verifier.ready().catch(() => undefined)
  const nowMs = Date.now()
  const outcome = await attempt(() => verifier.verify(token))
  const fetched = fetchChecks(events, setup)
  if (!decoded) {
    const { error } = outcome
    const syntax: CheckResult = error
      ? { check: 'syntax', status: 'fail', message: why(error), code: error.code }
      : { check: 'syntax', status: 'fail', message: safe(notAJwt) }
    return { checks: [...fetched.checks, syntax], verdictError: error }
  }
  const explained = await explainToken(token, decoded, outcome, setup, fetched.jwksUri, nowMs)
  return { checks: [...fetched.checks, ...explained.checks], verdictError: explained.verdictError }
}

function exitCodeOf(verdictError: AuthError | undefined): ExitCode {
  if (verdictError === undefined) return EXIT_CODES.valid
  return verdictError.code === 'keys_unavailable' ? EXIT_CODES.unreachable : EXIT_CODES.invalid
}

/** `tokenguard verify`: the real verifier, explained check by check. */
export async function runVerify(argv: readonly string[], io: Io): Promise<ExitCode> {
  const { values, positionals } = parseOptions(argv, VERIFY_OPTIONS, 1)
  if (values.help) {
    io.stdout.write(`${VERIFY_HELP}\n`)
    return EXIT_CODES.valid
  }
  const setup = verifySetup(values)
  const verifier = createVerifier(setup.options) // a bad option is a usage error before any token is read
  const token = await readToken(positionals[0], io)
  const events = recordFetches()
  let explanation: Explanation
  try {
    explanation = await explain(verifier, token, setup, events)
  } finally {
    events.stop()
  }
  const { checks, verdictError } = explanation
  if (verdictError && !checks.some((check) => check.status === 'fail' || check.status === 'offline'))
    checks.push({
      check: verdictError.reason.check,
      status: 'fail',
      message: why(verdictError),
      code: verdictError.code,
    })

  const exitCode = exitCodeOf(verdictError)
  const verdict =
    exitCode === EXIT_CODES.valid ? 'valid' : exitCode === EXIT_CODES.unreachable ? 'unreachable' : 'invalid'
  const id = token.split('.').length === 3 ? tokenId(token) : undefined
  if (values.json) {
    const report = {
      verdict,
      valid: verdictError === undefined,
      exitCode,
      ...(id ? { tokenId: id } : {}),
      ...(verdictError ? { code: verdictError.code, reason: verdictError.reason } : {}),
      checks,
      fetches: { discovery: events.discovery, jwks: events.jwks },
    }
    io.stdout.write(`${toJson(report)}\n`)
    return exitCode
  }
  const lines = [
    `Verifying token ${id ?? '(not a JWT)'} for issuer ${display(setup.options.issuer)}`,
    '',
    table(checks.map(({ status, check, message }) => [LABELS[status], check, message])),
    '',
    verdictError === undefined
      ? 'Result: VALID: the verifier accepts this token with these options (exit 0)'
      : `Result: ${verdict.toUpperCase()}: ${verdictError.code}: ${why(verdictError)} (exit ${exitCode})`,
  ]
  io.stdout.write(`${lines.join('\n')}\n`)
  return exitCode
}
