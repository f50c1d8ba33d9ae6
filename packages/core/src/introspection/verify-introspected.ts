import { readBinding, type BindingMethod } from '../binding.js'
import type { ClaimPolicy } from '../claims.js'
import { deepFreeze } from '../deep-freeze.js'
import { AuthError } from '../errors.js'
import type { RequestFacts } from '../request-facts.js'
import type { ResolvedOptions } from '../resolve-options.js'
import type { RevocationCheck } from '../revocation/check-revocation.js'
import type { TokenHeader, TokenPayload, VerifiedToken } from '../types.js'
import { runValidate } from '../verification-hooks.js'
import { checkAnswerClaims } from './introspection-answer.js'
import type { IntrospectingIssuer, OpaqueTokenRoute } from './opaque-token-route.js'

/** What an introspected verification shares with the verifier that runs it. */
export interface IntrospectionContext {
  config: ResolvedOptions
  policy: ClaimPolicy
  revocation: RevocationCheck | undefined
}

/** An introspected token has no JOSE header. */
const NO_HEADER = Object.freeze({}) as TokenHeader

/**
 * An introspected token (RFC 7662): the authorization server's answer is the payload, held to the claim
 * policy of JWTs and every check after the signature. Never in the verified-token cache: the
 * introspector's own cache (off by default) decides how long an answer is believed.
 */
export async function verifyIntrospected(
  token: string,
  trusted: IntrospectingIssuer,
  checked: readonly BindingMethod[] | undefined,
  { config, policy, revocation }: IntrospectionContext,
): Promise<VerifiedToken> {
  const answer = (await trusted.introspector.introspect(token, trusted)).payload
  // RFC 7662 makes `iss` optional; the answer came from this issuer's endpoint, so the payload names it:
  // issuer-scoped revocation entries, `issuer` guards and the application then see who issued the token.
  const payload = Object.hasOwn(answer, 'iss') ? answer : { ...answer, iss: trusted.issuer }
  const required = trusted.introspector.settings.requiredClaims ?? config.requiredClaims
  const times = checkAnswerClaims(payload, trusted, config.now(), {
    ...policy,
    requiredClaims: required,
    accessTokenOnly: false,
  })
  config.profile?.check(payload)
  readBinding(payload, checked)
  revocation?.checkLifetime(times)
  if (config.validate) await runValidate(config.validate, payload as TokenPayload, NO_HEADER)
  const result: VerifiedToken = { payload: payload as TokenPayload, header: NO_HEADER, token }
  deepFreeze(result)
  return result
}

/** An opaque token goes to the one issuer that introspects it, or is refused (not a JWT). */
export function verifyOpaque(
  token: string,
  checked: readonly BindingMethod[] | undefined,
  facts: RequestFacts | undefined,
  context: IntrospectionContext,
): Promise<VerifiedToken> {
  const trusted = (context.config.introspection as OpaqueTokenRoute).issuerFor(token, facts)
  if (trusted === undefined)
    throw new AuthError('token_malformed', {
      reason: { message: 'the token is not a JWT, and selectIntrospectionIssuer chose no issuer for it' },
    })
  return verifyIntrospected(token, trusted, checked, context)
}
