/**
 * Reads a compact JWS without verifying anything, for display and for the checks the CLI explains.
 * What it returns is the token's claim, not a fact: only `verify` (the core) says whether it holds.
 */

export interface DecodedToken {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** Length of the signature segment in bytes. */
  signatureBytes: number
}

/** Why the input is not a JWT: a message safe to print (it never quotes the input). */
export class NotAJwtError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

function decodeSegment(segment: string, name: string): Record<string, unknown> {
  if (segment === '' || !BASE64URL.test(segment)) throw new NotAJwtError(`the ${name} is not base64url text`)
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    throw new NotAJwtError(`the ${name} is not JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new NotAJwtError(`the ${name} is not a JSON object`)
  return value as Record<string, unknown>
}

/** Decodes the header and claims of a compact JWS; throws {@link NotAJwtError} for anything else. */
export function decodeToken(token: string): DecodedToken {
  const segments = token.split('.')
  if (segments.length === 5)
    throw new NotAJwtError('the input has 5 segments: an encrypted JWT (JWE), not a signed one')
  if (segments.length !== 3)
    throw new NotAJwtError(`the input has ${segments.length} dot-separated segment(s), a JWT has 3`)
  const [header, payload, signature] = segments as [string, string, string]
  const decodedHeader = decodeSegment(header, 'header')
  const decodedPayload = decodeSegment(payload, 'payload')
  if (!BASE64URL.test(signature)) throw new NotAJwtError('the signature is not base64url text')
  return {
    header: decodedHeader,
    payload: decodedPayload,
    signatureBytes: Buffer.from(signature, 'base64url').length,
  }
}
