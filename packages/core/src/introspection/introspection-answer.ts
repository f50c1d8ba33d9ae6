import { checkClaims, type ClaimPolicy, type TokenTimes } from '../claims.js'
import { AuthError } from '../errors.js'
import { FetchJsonError } from '../jwks/fetch-json.js'
import { verifySignature } from '../keys/verify-signature.js'
import { lookUpKey } from '../refusals.js'
import { safeValue, show } from '../reason.js'
import type { TrustedIssuer } from '../resolve-options.js'
import { isJsonObject, parseCompactToken } from '../token-syntax.js'
import type { IntrospectionAnswer } from './introspection-request.js'

/** How far a signed answer's `iat` may be from now: it was made for this very request. */
const SIGNED_ANSWER_MAX_SKEW_SECONDS = 60

/** RFC 9701 §5: the `typ` of a signed answer. */
const SIGNED_ANSWER_TYP = 'token-introspection+jwt'

/**
 * What `token_type` may say of an access token: its scheme (RFC 7662 §2.2, RFC 6750 `Bearer`, RFC 9449 §5
 * `DPoP`), or — as some servers answer (Duende IdentityServer) — its kind in token-type-hint (RFC 7009)
 * or token-exchange (RFC 8693) words. `refresh_token`, `id_token` and anything unknown are refused.
 */
const ACCESS_TOKEN_TYPES = new Set([
  'bearer',
  'dpop',
  'access_token',
  'urn:ietf:params:oauth:token-type:access_token',
])

function garbage(message: string): FetchJsonError {
  return new FetchJsonError(message)
}

/**
 * Opens a signed answer (RFC 9701 §5): `typ`, an algorithm the issuer is trusted with, a signature by
 * one of the issuer's keys, `iss` = the issuer, `aud` = this API's client id, and the answer in
 * `token_introspection`. Any failure is the authorization server's (a 503), not the token's.
 */
async function openSignedAnswer(
  jwt: string,
  trusted: TrustedIssuer,
  clientId: string,
  nowMs: number,
  clockTolerance: number,
): Promise<unknown> {
  let parsed
  try {
    parsed = parseCompactToken(jwt)
  } catch {
    throw garbage('the signed answer is not a compact JWS')
  }
  const { header, payload, segments } = parsed
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== SIGNED_ANSWER_TYP)
    throw garbage(`the signed answer's typ is ${show(header.typ)}, not ${SIGNED_ANSWER_TYP}`)
  const alg = header.alg as string
  if (!trusted.algorithms.includes(alg)) throw garbage(`the signed answer uses alg ${show(alg)}, not allowed`)
  const key = await lookUpKey(trusted, header, segments).catch((error: unknown) => {
    // Keys that cannot be fetched stay `keys_unavailable`; a key that is not there is a bad answer.
    if (error instanceof AuthError && error.code === 'keys_unavailable') throw error
    throw garbage('no key of the issuer verifies the signed answer')
  })
  const signingInput = Buffer.from(jwt.slice(0, jwt.length - segments[2].length - 1), 'latin1')
  if (!(await verifySignature(alg, key, signingInput, Buffer.from(segments[2], 'base64url'))))
    throw garbage('the signed answer has an invalid signature')
  if (payload.iss !== trusted.issuer) throw garbage(`the signed answer's iss is ${show(payload.iss)}`)
  const aud = payload.aud
  if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId))))
    throw garbage(`the signed answer's aud ${show(aud)} is not the client id`)
  // RFC 9701 binds an answer to no token: a fresh `iat` at least keeps an old answer (an admin's, captured)
  // from standing in for the answers to other tokens for long.
  const iat = payload.iat
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw garbage('the signed answer has no iat')
  const age = nowMs / 1000 - iat
  if (Math.abs(age) > SIGNED_ANSWER_MAX_SKEW_SECONDS + clockTolerance)
    throw garbage(
      `the signed answer's iat is ${Math.round(age)} s ${age > 0 ? 'old' : 'in the future'} (at most ${SIGNED_ANSWER_MAX_SKEW_SECONDS} s plus clockTolerance)`,
    )
  return payload.token_introspection
}

function hasJwkThumbprint(cnf: unknown): boolean {
  return isJsonObject(cnf) && typeof cnf.jkt === 'string'
}

/** What one introspection said about a token, once it is known to be active. */
export interface ActiveToken {
  payload: Record<string, unknown>
}

/**
 * Reads the endpoint's answer: a JSON object (or the one inside a signed answer) whose `active` is
 * `true` (RFC 7662 §2.2). Anything else from the endpoint is garbage (a 503); `active` not `true` is an
 * inactive token (401 `token_inactive`).
 */
export async function readAnswer(
  answer: IntrospectionAnswer,
  trusted: TrustedIssuer,
  clientId: string,
  clock: { nowMs: number; clockTolerance: number },
): Promise<ActiveToken> {
  const body =
    answer.jwt === undefined
      ? answer.json
      : await openSignedAnswer(answer.jwt, trusted, clientId, clock.nowMs, clock.clockTolerance)
  if (!isJsonObject(body)) throw garbage('the answer is not a JSON object')
  // Its own member: an `active` inherited from a polluted Object.prototype must never make an answer active.
  if (!Object.hasOwn(body, 'active') || typeof body.active !== 'boolean')
    throw garbage('the answer has no boolean "active"')
  if (body.active !== true)
    throw new AuthError('token_inactive', {
      reason: { check: 'introspection', message: 'the authorization server says the token is not active' },
    })
  return { payload: body }
}

/**
 * Holds an active answer to the claim policy of JWTs: `iss` (when the answer names one, it must be the
 * issuer), `aud`, the times, the required claims; and the types of `scope`, `client_id`, `token_type`.
 */
export function checkAnswerClaims(
  payload: Record<string, unknown>,
  trusted: TrustedIssuer,
  nowMs: number,
  policy: ClaimPolicy,
): TokenTimes {
  // RFC 7662 makes `iss` optional: the answer comes from this issuer's own endpoint.
  const times = checkClaims(payload, Object.hasOwn(payload, 'iss') ? trusted.issuer : null, nowMs, policy)
  for (const claim of ['scope', 'client_id', 'username', 'token_type']) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string')
      throw new AuthError('claim_invalid', {
        claim,
        reason: { check: 'claim', message: `claim "${claim}" must be a string, not ${show(payload[claim])}` },
      })
  }
  // A refresh token or an ID token sent as an access token is refused when the server says what it is.
  const type = payload.token_type
  // RFC 9449 §7.2: a DPoP token is never usable as Bearer; typed DPoP, it must also say which key (cnf.jkt).
  if (typeof type === 'string' && type.toLowerCase() === 'dpop' && !hasJwkThumbprint(payload.cnf))
    throw new AuthError('binding_unverified', {
      claim: 'cnf.jkt',
      reason: { check: 'cnf', message: 'the answer says token_type DPoP but names no key (cnf.jkt)' },
    })
  if (typeof type === 'string' && !ACCESS_TOKEN_TYPES.has(type.toLowerCase()))
    throw new AuthError('claim_invalid', {
      claim: 'token_type',
      reason: {
        check: 'claim',
        message: `token_type ${show(type)} is not an access token's (Bearer, DPoP, access_token)`,
        expected: ['Bearer', 'DPoP', 'access_token'],
        actual: safeValue(type),
      },
    })
  return times
}
