/**
 * The DPoP part of the challenges the adapters and the authenticator send by default (`dpop.mode:
 * 'allowed'`, RFC 9449 §7.1): every 400, 401 and 403 carries a `DPoP` challenge after the `Bearer` one,
 * comma-joined in one `WWW-Authenticate` value. Spelt out rather than read from the core, so that a change
 * of the default algorithms fails the tests.
 */

/** The `algs` of the default DPoP challenge: the core's asymmetric algorithms and `Ed25519`, in order. */
export const DPOP_ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519'

/** The DPoP challenge without an error: `DPoP algs="…"`, or `DPoP realm="…", algs="…"`. */
export function dpopChallenge(realm?: string): string {
  return realm === undefined ? `DPoP algs="${DPOP_ALGS}"` : `DPoP realm="${realm}", algs="${DPOP_ALGS}"`
}

/** A Bearer challenge followed by the default DPoP one, as a request that used the Bearer scheme gets. */
export function withDpop(bearer: string, realm?: string): string {
  return `${bearer}, ${dpopChallenge(realm)}`
}
