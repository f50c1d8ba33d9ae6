import type { JWTHeaderParameters, JWTPayload } from 'jose'

/**
 * Claims your tokens carry beyond the registered ones. Empty by default; augment it once and every
 * adapter's `auth.payload` is typed with it.
 *
 * @example
 * ```ts
 * declare module '@tokenguard/core' {
 *   interface AuthClaims {
 *     scope?: string
 *     org_id: string
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthClaims {}

/** The registered claims of RFC 7519 §4.1 plus those of RFC 9068 §2.2. */
export interface RegisteredClaims extends JWTPayload {
  client_id?: string
  scope?: string
}

/** The verified claims: registered claims plus your `AuthClaims`. */
export type TokenPayload = RegisteredClaims & AuthClaims

/** The protected header of a verified token. */
export type TokenHeader = JWTHeaderParameters

/** What a successful verification returns, and what adapters attach to the request as `auth`. */
export interface VerifiedToken<Payload = TokenPayload> {
  /** The verified claims. Deeply frozen: shared across requests when the token cache serves them. */
  readonly payload: Readonly<Payload>
  /** The verified protected header. */
  readonly header: Readonly<TokenHeader>
  /** The compact token as received. */
  readonly token: string
}
