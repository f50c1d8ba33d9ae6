import type { ReasonCheck } from './reason.js'

/**
 * Stable error codes. Tests and applications branch on these, never on message text.
 *
 * | code                   | status | RFC 6750 `error`     |
 * |------------------------|--------|----------------------|
 * | `credentials_required` | 401    | (none: bare challenge) |
 * | `invalid_request`      | 400    | `invalid_request`    |
 * | `token_malformed`      | 401    | `invalid_token`      |
 * | `algorithm_not_allowed`| 401    | `invalid_token`      |
 * | `key_not_found`        | 401    | `invalid_token`      |
 * | `signature_invalid`    | 401    | `invalid_token`      |
 * | `token_expired`        | 401    | `invalid_token`      |
 * | `token_not_yet_valid`  | 401    | `invalid_token`      |
 * | `claim_invalid`        | 401    | `invalid_token`      |
 * | `token_revoked`        | 401    | `invalid_token`      |
 * | `token_inactive`       | 401    | `invalid_token`      |
 * | `binding_unverified`   | 401    | `invalid_token`      |
 * | `binding_mismatch`     | 401    | `invalid_token`      |
 * | `dpop_proof_invalid`   | 401    | `invalid_dpop_proof` (DPoP scheme) |
 * | `dpop_nonce_required`  | 401    | `use_dpop_nonce` (DPoP scheme) |
 * | `insufficient_scope`   | 403    | `insufficient_scope` |
 * | `keys_unavailable`     | 503    | (no challenge)       |
 * | `revocation_unavailable` | 503  | (no challenge)       |
 * | `replay_store_unavailable` | 503 | (no challenge)     |
 * | `introspection_unavailable` | 503 | (no challenge)    |
 */
export type AuthErrorCode =
  | 'credentials_required'
  | 'invalid_request'
  | 'token_malformed'
  | 'algorithm_not_allowed'
  | 'key_not_found'
  | 'signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'claim_invalid'
  | 'token_revoked'
  | 'token_inactive'
  | 'binding_unverified'
  | 'binding_mismatch'
  | 'dpop_proof_invalid'
  | 'dpop_nonce_required'
  | 'insufficient_scope'
  | 'keys_unavailable'
  | 'revocation_unavailable'
  | 'replay_store_unavailable'
  | 'introspection_unavailable'

/** The `error` attribute of RFC 6750 §3.1 that a code maps to. */
export type BearerErrorAttribute = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/** The `error` attribute of a challenge: RFC 6750's, or RFC 9449's two DPoP-only ones. */
export type ChallengeErrorAttribute = BearerErrorAttribute | 'invalid_dpop_proof' | 'use_dpop_nonce'

export interface CodeInfo {
  status: 400 | 401 | 403 | 503
  error?: ChallengeErrorAttribute
  /** Generic, header-safe text. It never carries anything taken from the request. */
  description: string
}

/** The reason an error of each code has unless the place that throws it says more. */
export const DEFAULT_REASONS: Record<AuthErrorCode, { check: ReasonCheck; message: string }> = {
  credentials_required: { check: 'credentials', message: 'the request carries no bearer token' },
  invalid_request: { check: 'request', message: 'the request is malformed' },
  token_malformed: { check: 'syntax', message: 'the token is not a well-formed compact JWS' },
  algorithm_not_allowed: { check: 'alg', message: 'the token is signed with an algorithm not allowed' },
  key_not_found: { check: 'kid', message: 'no key of the issuer matches the token header' },
  signature_invalid: { check: 'signature', message: 'the signature does not verify' },
  token_expired: { check: 'exp', message: 'the token expired' },
  token_not_yet_valid: { check: 'nbf', message: 'the token is not valid yet' },
  claim_invalid: { check: 'claim', message: 'a claim is invalid' },
  token_revoked: { check: 'revoked', message: 'the token is revoked' },
  token_inactive: {
    check: 'introspection',
    message: 'the authorization server says the token is not active',
  },
  binding_unverified: {
    check: 'cnf',
    message: 'the token is bound to a key (cnf) and no proof of that key was verified',
  },
  binding_mismatch: {
    check: 'cnf',
    message: 'the token is bound to a key (cnf) that the request did not prove',
  },
  dpop_proof_invalid: { check: 'dpop', message: 'the DPoP proof is missing or invalid' },
  dpop_nonce_required: { check: 'dpop', message: 'the DPoP proof lacks a valid server nonce' },
  insufficient_scope: { check: 'scope', message: 'the token lacks what the route requires' },
  keys_unavailable: { check: 'keys', message: 'the verification keys could not be fetched' },
  revocation_unavailable: { check: 'revocation', message: 'the revocation check failed' },
  replay_store_unavailable: { check: 'replay', message: 'the DPoP replay check failed' },
  introspection_unavailable: {
    check: 'introspection',
    message: 'the introspection endpoint could not answer',
  },
}

/** Status, RFC 6750 attribute and generic text of each code. */
export const CODES: Record<AuthErrorCode, CodeInfo> = {
  credentials_required: { status: 401, description: 'Authentication is required' },
  invalid_request: { status: 400, error: 'invalid_request', description: 'The request is malformed' },
  token_malformed: { status: 401, error: 'invalid_token', description: 'The access token is malformed' },
  algorithm_not_allowed: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token algorithm is not allowed',
  },
  key_not_found: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token signing key is unknown',
  },
  signature_invalid: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token signature is invalid',
  },
  token_expired: { status: 401, error: 'invalid_token', description: 'The access token expired' },
  token_not_yet_valid: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token is not yet valid',
  },
  claim_invalid: { status: 401, error: 'invalid_token', description: 'The access token claims are invalid' },
  token_revoked: { status: 401, error: 'invalid_token', description: 'The access token was revoked' },
  token_inactive: { status: 401, error: 'invalid_token', description: 'The access token is not active' },
  binding_unverified: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token is bound to a key that was not proven',
  },
  binding_mismatch: {
    status: 401,
    error: 'invalid_token',
    description: 'The access token is bound to another key',
  },
  dpop_proof_invalid: {
    status: 401,
    error: 'invalid_dpop_proof',
    description: 'The DPoP proof is invalid',
  },
  dpop_nonce_required: {
    status: 401,
    error: 'use_dpop_nonce',
    description: 'Resource server requires nonce in DPoP proof',
  },
  insufficient_scope: {
    status: 403,
    error: 'insufficient_scope',
    description: 'The access token lacks the required permissions',
  },
  keys_unavailable: { status: 503, description: 'Token verification keys are temporarily unavailable' },
  revocation_unavailable: { status: 503, description: 'Token revocation status is temporarily unavailable' },
  replay_store_unavailable: {
    status: 503,
    description: 'DPoP proof replay protection is temporarily unavailable',
  },
  introspection_unavailable: {
    status: 503,
    description: 'Token introspection is temporarily unavailable',
  },
}
