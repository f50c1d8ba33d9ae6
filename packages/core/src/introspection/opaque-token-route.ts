import { ConfigError } from '../errors.js'
import { optionalFunction } from '../option-checks.js'
import type { RequestFacts } from '../request-facts.js'
import type { TrustedIssuer } from '../resolve-options.js'
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
      issuerFor: () => only,
    }
  }
  return {
    selects: true,
    issuerFor(token, facts) {
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
