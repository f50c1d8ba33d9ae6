import { errorText } from './diagnostics.js'
import { AuthError } from './errors.js'

/**
 * Strict checks on the compact serialization, done before any key lookup or signature check.
 *
 * Lenient decoders (jose's among them) tolerate padding and whitespace inside segments and non-canonical
 * trailing bits; we do not, so that one token has exactly one spelling (RFC 7515 §2, §7.1) and nothing
 * the cache, a revocation list or a log keys on can be varied by an attacker.
 */

const BASE64URL = /^[A-Za-z0-9_-]+$/
/** Three non-empty base64url segments: the shape of nearly every token, checked in one pass. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const NOT_CANONICAL = 'a segment is not canonical base64url (no padding, whitespace or non-zero unused bits)'
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Header parameters whose critical use we understand; none, so any `crit` is rejected. */
const UNDERSTOOD_CRITICAL_PARAMETERS: ReadonlySet<string> = new Set()

/** The decoded parts of a token, not yet verified: they become the result once the signature is checked. */
export interface UnverifiedToken {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** The three segments as received (canonical base64url). */
  segments: readonly [header: string, payload: string, signature: string]
}

function malformed(message: string, claim?: string): AuthError {
  return new AuthError('token_malformed', { ...(claim === undefined ? {} : { claim }), reason: { message } })
}

/** True when the segment's unused trailing bits are zero (RFC 4648 §3.5). */
function isCanonicalBase64url(segment: string): boolean {
  const remainder = segment.length % 4
  if (remainder === 1) return false
  if (remainder === 0) return true
  const last = ALPHABET.indexOf(segment[segment.length - 1] as string)
  const unusedBitsMask = remainder === 2 ? 0b1111 : 0b11
  return (last & unusedBitsMask) === 0
}

/** Rejects a segment that is not canonical base64url: one spelling per token. */
export function checkSegment(segment: string): void {
  if (!BASE64URL.test(segment) || !isCanonicalBase64url(segment)) throw malformed(NOT_CANONICAL)
}

/** The rest of `checkSegment` for a segment whose characters are known to be base64url. */
function checkCanonical(segment: string): void {
  if (!isCanonicalBase64url(segment)) throw malformed(NOT_CANONICAL)
}

/**
 * Deepest JSON nesting accepted in a header or claims set. Real tokens nest a few levels (Keycloak's
 * `resource_access.<client>.roles` is three). Deeper values are refused because verified claims are
 * frozen, and V8 serializes frozen objects recursively: a claims set nested ~2 600 levels deep — which
 * fits in 8 KiB — would make `JSON.stringify(auth.payload)` in an application's logger throw
 * (RFC 8725 §2.9).
 */
export const MAX_JSON_DEPTH = 64

/** Nesting depth of JSON text, counting brackets outside strings; linear and allocation-free. */
export function jsonDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth)
    else if (c === 0x7d || c === 0x5d) depth--
  }
  return deepest
}

/**
 * Whether `text` has more than `limit` opening brackets, in strings or not: a bound on its depth found by
 * native scans, so that `jsonDepth`'s walk runs only for text that might nest too deep (on every cold
 * token it cost a third of `JSON.parse`).
 */
function mayNestDeeperThan(text: string, limit: number): boolean {
  let brackets = 0
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++brackets > limit) return true
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++brackets > limit) return true
  return false
}

// fatal: reject invalid UTF-8 rather than silently replacing it (RFC 8725 §3.7). One shared instance:
// without `stream`, decode() keeps no state between calls, and constructing a decoder costs more than
// decoding a claims set.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** `part` names the segment in the error's `claim` when it decodes but is not UTF-8 JSON (diagnostics). */
export function decodeSegment(segment: string, part: 'header' | 'payload'): unknown {
  checkSegment(segment)
  return decodeJson(segment, part)
}

/** `decodeSegment` once the segment is checked. */
function decodeJson(segment: string, part: 'header' | 'payload'): unknown {
  try {
    const text = UTF8.decode(Buffer.from(segment, 'base64url'))
    if (mayNestDeeperThan(text, MAX_JSON_DEPTH) && jsonDepth(text) > MAX_JSON_DEPTH)
      throw new RangeError(`JSON nested deeper than ${MAX_JSON_DEPTH}`)
    return JSON.parse(text)
  } catch (cause) {
    // No `cause`: JSON.parse quotes the attacker's text in its message, and loggers print causes raw.
    // The reason keeps what it said, bounded and escaped.
    throw new AuthError('token_malformed', {
      claim: part,
      reason: {
        message: `the ${part} is not UTF-8 JSON nested at most ${MAX_JSON_DEPTH} levels (${errorText(cause)})`,
      },
    })
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** White space (ASCII and Unicode, as `String.prototype.trim`) and quotes around a token. */
function isWrapping(code: number): boolean {
  return code === 0x22 || code === 0x27 || String.fromCharCode(code).trim() === ''
}

/**
 * True for what is, or was, a JWT: two or four dots, and a first segment that decodes to a JSON object.
 * Everything else is an opaque token, which only introspection can judge. Lenient on purpose — quotes and
 * white space around the token, padding and the standard base64 alphabet are forgiven — because a JWT
 * mangled on its way (a quoted cookie value, RFC 6265) is still some issuer's token: judged as a JWT, the
 * strict parser refuses it, and it is never posted to an authorization server that did not issue it.
 */
export function isJwtShaped(token: string): boolean {
  // Index loops, not a regular expression: `[\s"']+$` is quadratic on a long run of spaces.
  let start = 0
  let end = token.length
  while (start < end && isWrapping(token.charCodeAt(start))) start++
  while (end > start && isWrapping(token.charCodeAt(end - 1))) end--
  const segments = token.slice(start, end).split('.')
  if (segments.length !== 3 && segments.length !== 5) return false
  try {
    // Node's base64 decoder takes both alphabets, padding and white space: as lenient as any client.
    return isJsonObject(JSON.parse(Buffer.from(segments[0] as string, 'base64').toString('utf8')))
  } catch {
    return false
  }
}

/** The three segments of a token `COMPACT_JWS` matched (exactly two dots). */
function splitAtDots(token: string): [string, string, string] {
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  return [token.slice(0, first), token.slice(first + 1, second), token.slice(second + 1)]
}

/**
 * Checks the token's shape and decodes header and claims without verifying them.
 * @throws AuthError `token_malformed`
 */
export function parseCompactToken(token: string): UnverifiedToken {
  // The length cap is applied by the verifier before this (and before the token-cache lookup).
  // One regular-expression pass checks the shape and alphabet of a well-formed token; anything else takes
  // the segment-by-segment path, which says what is wrong. Both apply the same rules in the same order.
  const wellFormed = COMPACT_JWS.test(token)
  const segments = wellFormed ? splitAtDots(token) : token.split('.')
  if (segments.length !== 3)
    throw malformed(
      segments.length === 5
        ? 'the token has 5 segments: an encrypted JWT (JWE), and no issuer has a decryption key'
        : `the token has ${segments.length} segments, not 3`,
    )
  const [headerSegment, payloadSegment, signatureSegment] = segments as [string, string, string]
  const check = wellFormed ? checkCanonical : checkSegment
  check(signatureSegment)

  check(headerSegment)
  const header = decodeJson(headerSegment, 'header')
  if (!isJsonObject(header)) throw malformed('the header is not a JSON object', 'header')
  if (typeof header.alg !== 'string' || header.alg === '') throw malformed('the header has no alg', 'alg')
  if (header.b64 !== undefined) throw malformed('the header carries b64 (RFC 7797), which is refused', 'b64')
  if (header.crit !== undefined) {
    const crit = header.crit
    const understood =
      Array.isArray(crit) &&
      crit.length > 0 &&
      crit.every((name) => typeof name === 'string' && UNDERSTOOD_CRITICAL_PARAMETERS.has(name))
    if (!understood) throw malformed('the header carries crit parameters that are not understood', 'crit')
  }
  // Nested JWTs (RFC 7519 §5.2) are not supported: the inner token would escape our checks.
  if (typeof header.cty === 'string' && header.cty.toUpperCase() === 'JWT')
    throw malformed('the token is a nested JWT (cty: JWT), which is not accepted', 'cty')

  check(payloadSegment)
  const payload = decodeJson(payloadSegment, 'payload')
  if (!isJsonObject(payload)) throw malformed('the payload is not a JSON object', 'payload')
  return { header, payload, segments: [headerSegment, payloadSegment, signatureSegment] }
}
