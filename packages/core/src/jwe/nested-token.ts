import { AuthError } from '../errors.js'
import { show } from '../reason.js'
import type { TrustedIssuer } from '../resolve-options.js'
import type { OpenedToken } from './decrypt-token.js'

/**
 * Where a token goes, and whether its protection suits its issuer: an encrypted token must carry a signed
 * JWT from an issuer whose decryption key opened it, and an issuer with `decryption.required` accepts
 * nothing else.
 */

/**
 * Whether a token has the five segments of a compact JWE (RFC 7516 §7.1): four dots, counted without
 * splitting the token, and only when some issuer has decryption keys.
 */
export function isEncrypted(token: string): boolean {
  let dots = 0
  for (let at = token.indexOf('.'); at !== -1; at = token.indexOf('.', at + 1)) if (++dots > 4) return false
  return dots === 4
}

/**
 * Refuses a signed JWT whose issuer (`trusted`, picked by its verified-to-be `iss`) did not own the key
 * that decrypted it, and a plain token where the issuer requires encryption.
 * @throws AuthError `claim_invalid` (`iss`) or `token_malformed`
 */
export function checkProtection(opened: OpenedToken | undefined, trusted: TrustedIssuer, iss: unknown): void {
  if (opened === undefined) {
    if (trusted.decryption?.required)
      throw new AuthError('token_malformed', {
        reason: {
          message: 'the token is not encrypted, and its issuer requires encryption (decryption.required)',
        },
      })
    return
  }
  if (!opened.owners.includes(trusted)) {
    // Without this, a token signed by issuer A could ride in a JWE made with issuer B's decryption key.
    const owners = opened.owners.map((owner) => owner.issuer)
    throw new AuthError('claim_invalid', {
      claim: 'iss',
      reason: {
        check: 'iss',
        message: `iss ${show(iss)} of the signed token inside is not the issuer whose decryption key opened it (${JSON.stringify(owners)})`,
        expected: owners,
      },
    })
  }
}
