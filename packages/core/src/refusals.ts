import { errors, type JWSHeaderParameters } from 'jose'
import { AuthError, explain, type ReasonDetails } from './errors.js'
import type { VerificationKey } from './keys/key-source.js'
import { toAuthError } from './map-error.js'
import { safeText, safeValue, show } from './reason.js'
import type { ResolvedOptions, TrustedIssuer } from './resolve-options.js'

/**
 * The refusals of a full verification that need the most explaining: an untrusted issuer (with the usual
 * near misses spelt out), an algorithm outside the allowlist, a key that cannot be found, a signature that
 * does not verify. Each says, in its `reason`, what was expected and where the keys came from.
 */

export function untrustedIssuer(config: ResolvedOptions, iss: unknown): AuthError {
  const expected = [...config.issuers.keys()].filter((name): name is string => name !== null)
  const hint = typeof iss === 'string' ? issuerHint(iss, expected) : ''
  return new AuthError('claim_invalid', {
    claim: 'iss',
    reason: {
      check: 'iss',
      message: `iss ${iss === undefined ? '(none)' : show(iss)} is not a trusted issuer (trusted: ${JSON.stringify(expected)})${hint}`,
      expected,
      actual: iss === undefined ? null : safeValue(iss),
    },
  })
}

/** Longest `iss` the near-miss hint looks at: real issuers are short, and the hint must stay cheap. */
const MAX_HINTED_ISSUER_CHARS = 512

/** `name` without its trailing slashes, in linear time (a regex would be quadratic on a run of slashes). */
function withoutTrailingSlashes(name: string): string {
  let end = name.length
  while (end > 0 && name.charCodeAt(end - 1) === 0x2f) end--
  return name.slice(0, end)
}

/**
 * The usual near misses between a configured issuer and a token's `iss`, spelt out for the operator. The
 * `iss` is the attacker's: it is looked at only when short, with linear work per trusted issuer.
 */
function issuerHint(iss: string, trusted: readonly string[]): string {
  if (iss.length > MAX_HINTED_ISSUER_CHARS) return ''
  const bare = withoutTrailingSlashes
  if (trusted.some((name) => bare(name) === bare(iss)))
    return '; it differs from a trusted issuer only by a trailing slash'
  const host = (name: string) => {
    try {
      const url = new URL(name)
      url.hostname = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) ? 'loopback' : url.hostname
      return url.href
    } catch {
      return name
    }
  }
  if (trusted.some((name) => host(name) === host(iss)))
    return '; it differs from a trusted issuer only by its loopback host name (localhost, 127.0.0.1, ::1)'
  if (trusted.some((name) => name.toLowerCase() === iss.toLowerCase()))
    return '; it differs from a trusted issuer only by letter case'
  return ''
}

/** The token header's `kid` and `alg` for a reason, bounded and escaped. */
export function headerDetails(header: Record<string, unknown>): ReasonDetails {
  return {
    ...(typeof header.kid === 'string' ? { kid: safeText(header.kid) } : {}),
    ...(typeof header.alg === 'string' ? { alg: safeText(header.alg) } : {}),
  }
}

export function algorithmNotAllowed(alg: string, trusted: TrustedIssuer): AuthError {
  return new AuthError('algorithm_not_allowed', {
    reason: {
      message: `alg ${show(alg)} is not one of the accepted algorithms ${JSON.stringify(trusted.algorithms)}`,
      expected: trusted.algorithms,
      actual: safeText(alg),
    },
  })
}

function keySourceOf(trusted: TrustedIssuer): ReasonDetails {
  return trusted.keys.description === undefined ? {} : { keySource: trusted.keys.description }
}

/** The key for a token's `alg` and `kid` from the issuer's key source; a refusal says where it looked. */
export async function lookUpKey(
  trusted: TrustedIssuer,
  header: Record<string, unknown>,
  segments: readonly [string, string, string],
): Promise<VerificationKey> {
  try {
    return await trusted.keys.getKey(header as JWSHeaderParameters, {
      protected: segments[0],
      payload: segments[1],
      signature: segments[2],
    })
  } catch (error) {
    const failure = toAuthError(error)
    const where = trusted.keys.description ?? 'the configured keys'
    const kid = header.kid === undefined ? 'no kid' : `kid ${show(header.kid)}`
    if (failure.code === 'key_not_found') {
      const many = error instanceof errors.JWKSMultipleMatchingKeys
      throw explain(failure, {
        message: many
          ? `several keys in ${where} match ${kid} and alg ${show(header.alg)}: the token must name one with kid`
          : `no key in ${where} matches ${kid} and alg ${show(header.alg)}`,
        actual: header.kid === undefined ? null : safeValue(header.kid),
        ...keySourceOf(trusted),
      })
    }
    throw explain(failure, keySourceOf(trusted))
  }
}

export function signatureInvalid(header: Record<string, unknown>, trusted: TrustedIssuer): AuthError {
  const kid = header.kid === undefined ? 'without kid' : `of kid ${show(header.kid)}`
  return new AuthError('signature_invalid', {
    reason: {
      message: `the signature does not verify with the key ${kid} (alg ${show(header.alg)}) from ${trusted.keys.description ?? 'the configured keys'}`,
      ...keySourceOf(trusted),
    },
  })
}
