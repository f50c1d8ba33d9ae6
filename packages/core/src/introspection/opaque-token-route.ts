import { AuthError, ConfigError } from '../errors.js'
import { optionalFunction } from '../option-checks.js'
import type { RequestFacts } from '../request-facts.js'
import type { TrustedIssuer } from '../resolve-options.js'
import { isJsonObject } from '../token-syntax.js'
import type { IntrospectionIssuerSelector } from './introspection-types.js'
import type { Introspector } from './introspector.js'

/** An issuer that introspects, with its introspector. */
export type IntrospectingIssuer = TrustedIssuer & { issuer: string; introspector: Introspector }

/** Which issuer an opaque token is sent to. */
export interface OpaqueTokenRoute {
  /** `true` when the selector needs the request (adapters then pass it to `verifyNow`). */
  readonly selects: boolean
  /** The issuer to ask, or `undefined` when the selector chose none. */
  issuerFor(token: string, facts: RequestFacts | undefined): IntrospectingIssuer | undefined
}

/** White space (ASCII and Unicode, as `String.prototype.trim`) and quotes around a token. */
function isWrapping(code: number): boolean {
  return code === 0x22 || code === 0x27 || String.fromCharCode(code).trim() === ''
}

/**
 * A JWT mangled on its way here — a quoted cookie value (RFC 6265 allows DQUOTEs), surrounding spaces, a
 * padded or standard-base64 segment — is not JWT-shaped, yet it is some issuer's token, recoverable by
 * trimming: it is refused, never posted to an authorization server that did not issue it. Opaque tokens
 * with two or four dots whose first part reads as a JSON object do not exist in practice.
 */
function refuseMangledJwt(token: string): void {
  // Index loops, not a regular expression: `[\s"']+$` is quadratic on a long run of spaces.
  let start = 0
  let end = token.length
  while (start < end && isWrapping(token.charCodeAt(start))) start++
  while (end > start && isWrapping(token.charCodeAt(end - 1))) end--
  const segments = token.slice(start, end).split('.')
  if (segments.length !== 3 && segments.length !== 5) return
  let header: unknown
  try {
    // Node's base64 decoder takes both alphabets, padding and whitespace: as lenient as any client.
    header = JSON.parse(Buffer.from(segments[0] as string, 'base64').toString('utf8'))
  } catch {
    return
  }
  if (isJsonObject(header))
    throw new AuthError('token_malformed', {
      reason: { message: 'the token is a JWT that is not well formed; it is not sent to introspection' },
    })
}

/**
 * Checks `selectIntrospectionIssuer` against the issuers that introspect: required with several of them
 * (sending a token to the wrong authorization server leaks it), refused with none.
 */
export function resolveOpaqueTokenRoute(
  issuers: ReadonlyMap<string | null, TrustedIssuer>,
  selector: IntrospectionIssuerSelector | undefined,
): OpaqueTokenRoute | undefined {
  optionalFunction(selector, 'selectIntrospectionIssuer')
  const introspecting = new Map<string, IntrospectingIssuer>()
  for (const trusted of issuers.values())
    if (trusted.introspector !== undefined && trusted.issuer !== null)
      introspecting.set(trusted.issuer, trusted as IntrospectingIssuer)
  if (introspecting.size === 0) {
    if (selector !== undefined)
      throw new ConfigError('selectIntrospectionIssuer', 'is set but no issuer has "introspection"')
    return undefined
  }
  if (selector === undefined) {
    if (introspecting.size > 1)
      throw new ConfigError(
        'selectIntrospectionIssuer',
        `is required: ${introspecting.size} issuers introspect, and an opaque token must go to exactly one`,
      )
    const only = [...introspecting.values()][0] as IntrospectingIssuer
    return {
      selects: false,
      issuerFor: (token) => {
        refuseMangledJwt(token)
        return only
      },
    }
  }
  return {
    selects: true,
    issuerFor(token, facts) {
      refuseMangledJwt(token)
      let chosen: unknown
      try {
        chosen = selector(token, facts)
      } catch (cause) {
        // The application's bug, like a throwing `getToken`: a 500, never a verdict on the token.
        throw new ConfigError('selectIntrospectionIssuer', 'threw', { cause })
      }
      if (chosen === undefined) return undefined
      const trusted = typeof chosen === 'string' ? introspecting.get(chosen) : undefined
      if (trusted === undefined)
        throw new ConfigError(
          'selectIntrospectionIssuer',
          'returned something that is neither undefined nor an issuer with "introspection"',
        )
      return trusted
    },
  }
}
