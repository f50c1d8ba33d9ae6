import type { JWTHeaderParameters, JWTPayload } from 'jose'
import type { EncryptionInfo } from './jwe/decrypt-token.js'

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
  /**
   * How an encrypted token (a nested JWT) was protected: its JWE `alg`, `enc` and `kid`. Absent for a plain
   * signed token. `header` is then the signed JWT's header and `token` the encrypted token as sent.
   */
  readonly encryption?: Readonly<EncryptionInfo>
  /**
   * How the request proved possession of a key: `{ method: 'dpop', thumbprint }` when a DPoP proof was
   * verified (RFC 9449), `{ method: 'mtls', thumbprint }` when the token is bound to the request's TLS
   * client certificate (RFC 8705), and the DPoP one with `certificateThumbprint` for a token bound both
   * ways. Absent for a plain bearer request.
   */
  readonly binding?: RequestBinding
}

/** The proof of possession a request carried. */
export interface RequestBinding {
  readonly method: 'dpop' | 'mtls'
  /** The RFC 7638 SHA-256 thumbprint of the DPoP key (or the certificate's SHA-256 thumbprint for mTLS). */
  readonly thumbprint: string
  /** For a token bound both ways: the certificate's thumbprint, next to the DPoP key's. */
  readonly certificateThumbprint?: string
}
