import {
  requireAnyScope,
  requireRoles,
  requireScopes,
  type Algorithm,
  type Guard,
  type VerifierOptions,
} from '@tokenguard/core'
import { UsageError } from './exit-codes.js'
import { listOf, numberOf, type Parsed } from './parse-options.js'

/** Flags of `verify`, named after the core's options (`--jwks-uri` is `jwksUri`, and so on). */
export const VERIFY_OPTIONS = {
  issuer: { type: 'string' },
  audience: { type: 'string', multiple: true },
  'any-audience': { type: 'boolean' },
  'jwks-uri': { type: 'string' },
  algorithms: { type: 'string', multiple: true },
  'clock-tolerance': { type: 'string' },
  'max-token-age': { type: 'string' },
  'required-claims': { type: 'string', multiple: true },
  'token-type': { type: 'string' },
  'allow-http-hosts': { type: 'string', multiple: true },
  timeout: { type: 'string' },
  scopes: { type: 'string', multiple: true },
  'any-scope': { type: 'string', multiple: true },
  roles: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

export const VERIFY_HELP = `Usage: tokenguard verify [token] --issuer <url> --audience <id> [options]

Runs the real @tokenguard/core verifier, with the options the middleware takes, and prints every check
in order: discovery, JWK Set, syntax, issuer, algorithm, type, key lookup by kid, signature, each claim,
the key binding (cnf) and each guard. It goes on past a failed claim to report the others; it cannot go
on past a failed signature. The verdict and the exit code are the verifier's.

The token is read from standard input. A token given as an argument is accepted with a warning: it is
kept in your shell history and visible in \`ps\`.

Verifier options:
  --issuer <url>              required: the exact iss (keys found by discovery unless --jwks-uri)
  --audience <id>             required (repeatable): accepted audiences; or --any-audience (audience: null)
  --jwks-uri <url>            JWK Set URL (jwksUri)
  --algorithms <list>         accepted alg values (default RS*, PS*, ES*, EdDSA)
  --clock-tolerance <s>       clockTolerance in seconds (default 5)
  --max-token-age <s>         maxTokenAge in seconds
  --required-claims <list>    requiredClaims (default exp)
  --token-type at+jwt         tokenType: enforce RFC 9068
  --allow-http-hosts <list>   allowHttpHosts: host[:port] reachable over plain http (development only;
                              loopback hosts are always allowed)
  --timeout <ms>              jwks.timeout (default 5000)
Guards (as on a route):
  --scopes <list>             requireScopes: every scope
  --any-scope <list>          requireAnyScope: one of the scopes
  --roles <list>              requireRoles: every role
Output:
  --json                      one JSON object on standard output
  -h, --help

A token bound to a key (cnf: DPoP or mTLS) is reported as "binding not verifiable offline": the verifier
refuses it without the proof, so it is invalid here.

Exit codes: 0 valid, 1 invalid, 2 usage error, 3 keys or issuer unreachable.
Example: echo "$TOKEN" | npx @tokenguard/cli verify --issuer https://idp.example.com/ --audience api`

export interface VerifySetup {
  options: VerifierOptions
  guards: { name: string; guard: Guard }[]
}

/** The verifier options and guards from the flags; throws a usage error for a missing or bad one. */
export function verifySetup(values: Parsed<typeof VERIFY_OPTIONS>['values']): VerifySetup {
  if (values.issuer === undefined) throw new UsageError('--issuer is required (the exact iss of your tokens)')
  const audience = listOf(values.audience)
  if (audience === undefined && !values['any-audience'])
    throw new UsageError('--audience is required (or --any-audience to skip the audience check on purpose)')
  if (audience !== undefined && values['any-audience'])
    throw new UsageError('give --audience or --any-audience, not both')
  const tokenType = values['token-type']
  if (tokenType !== undefined && tokenType !== 'at+jwt') throw new UsageError('--token-type must be at+jwt')
  const timeout = numberOf(values.timeout, 'timeout')
  const options: VerifierOptions = {
    issuer: values.issuer,
    audience: audience ?? null,
    ...(values['jwks-uri'] === undefined ? {} : { jwksUri: values['jwks-uri'] }),
    ...(values.algorithms === undefined ? {} : { algorithms: listOf(values.algorithms) as Algorithm[] }),
    ...(values['clock-tolerance'] === undefined
      ? {}
      : { clockTolerance: numberOf(values['clock-tolerance'], 'clock-tolerance') }),
    ...(values['max-token-age'] === undefined
      ? {}
      : { maxTokenAge: numberOf(values['max-token-age'], 'max-token-age') }),
    ...(values['required-claims'] === undefined ? {} : { requiredClaims: listOf(values['required-claims']) }),
    ...(tokenType === undefined ? {} : { tokenType }),
    ...(values['allow-http-hosts'] === undefined
      ? {}
      : { allowHttpHosts: listOf(values['allow-http-hosts']) }),
    ...(timeout === undefined ? {} : { jwks: { timeout } }),
  }
  const guards: VerifySetup['guards'] = []
  const scopes = listOf(values.scopes)
  if (scopes) guards.push({ name: 'scopes', guard: requireScopes(...scopes) })
  const anyScope = listOf(values['any-scope'])
  if (anyScope) guards.push({ name: 'any-scope', guard: requireAnyScope(...anyScope) })
  const roles = listOf(values.roles)
  if (roles) guards.push({ name: 'roles', guard: requireRoles(...roles) })
  return { options, guards }
}
