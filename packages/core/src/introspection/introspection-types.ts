import type { KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import type { RequestFacts } from '../request-facts.js'

/** How this API authenticates to the introspection endpoint (RFC 7662 §2.1, RFC 7523). */
export type IntrospectionAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/**
 * Introspection of one trusted issuer's tokens (RFC 7662): for opaque (reference) access tokens, or for
 * every token when revocation must take effect at once.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: [
 *     {
 *       issuer: 'https://idp.example.com/',
 *       introspection: { clientId: 'orders-api', clientSecret: process.env.INTROSPECTION_SECRET },
 *     },
 *   ],
 *   audience: 'https://api.example.com',
 * })
 * ```
 */
export interface IntrospectionOptions {
  /** The endpoint. Default: `introspection_endpoint` from the issuer's discovery metadata. */
  endpoint?: string
  /** This API's client id at the authorization server. */
  clientId: string
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string
  /** Default `client_secret_basic` (RFC 6749 §2.3.1: id and secret form-urlencoded before base64). */
  authMethod?: IntrospectionAuthMethod
  /**
   * The private key signing the `private_key_jwt` client assertion (RFC 7523 §2.2, `aud` = the issuer
   * identifier): a private JWK (its `kid` and `alg` are used when present) or a `KeyObject`.
   */
  privateKey?: JWK | KeyObject
  /**
   * Which tokens are introspected: `'opaque'` (default) — tokens that are not JWTs; or `'all'` — also the
   * JWTs whose `iss` is this issuer (then introspected instead of verified locally).
   */
  tokens?: 'opaque' | 'all'
  /**
   * Remember answers (active and inactive) for a while. Off by default, so a revocation at the
   * authorization server takes effect on the next request. `true` = `{}`. An answer is never kept past
   * the token's `exp`. `ttl` in seconds (default 30), `maxEntries` default 10 000, `maxBytes` (tokens and
   * answers as text, two bytes a character) default 16 MiB.
   */
  cache?: boolean | { ttl?: number; maxEntries?: number; maxBytes?: number }
  /**
   * Ask for a signed answer (RFC 9701, `Accept: application/token-introspection+jwt`), verified with the
   * issuer's keys and `aud` = `clientId`. Default `false`.
   */
  signedResponse?: boolean
  /** Claims the answer must hold, replacing the verifier's `requiredClaims` for this issuer. */
  requiredClaims?: string[]
  /** Milliseconds before a request to the endpoint is abandoned (a 503). Default `jwks.timeout` (5 000). */
  timeout?: number
  /** The largest answer read, in bytes. Default 64 KiB. */
  maxResponseBytes?: number
  /**
   * Introspection requests in flight at once for this issuer; beyond, a 503 `introspection_unavailable`,
   * so random strings cannot flood the authorization server with this API's credentials. Default 64.
   */
  maxInFlight?: number
}

/**
 * Picks the issuer an opaque token is sent to, when several issuers introspect: sending a token to the
 * wrong authorization server would leak it. Return one of the issuer identifiers configured with
 * `introspection`, or `undefined` to refuse the token. `facts` is the request when called through an
 * adapter, `undefined` for a bare `verify()`.
 */
export type IntrospectionIssuerSelector = (
  token: string,
  facts: RequestFacts | undefined,
) => string | undefined
