import { AuthError } from './errors.js'

/**
 * Sender-constrained tokens (RFC 7800 `cnf`): a token bound to a DPoP key (`cnf.jkt`, RFC 9449) or a TLS
 * client certificate (`cnf["x5t#S256"]`, RFC 8705) is only as safe as the proof of that binding. Accepting
 * it as a plain bearer token would hand a stolen bound token to whoever holds it, so every token that
 * carries `cnf` — whatever its shape, even `null` — is refused until the binding is verified. The check
 * lives in the verifier, so bare `verify()` callers fail closed too.
 */
export function refuseUnverifiedBinding(payload: Record<string, unknown>): void {
  if (Object.hasOwn(payload, 'cnf')) throw new AuthError('binding_unverified')
}
