import { Buffer } from 'node:buffer'
import { createPublicKey, verify } from 'node:crypto'

/**
 * The `floor` variant of the HTTP benchmark (issue 23): the least a bearer verifier can do per request, to
 * measure tokenguard's cold path against. It takes the `Authorization: Bearer` header, splits the token,
 * parses header and payload, runs one node:crypto RS256 verification in its thread-pool (callback) form
 * with a key fetched once from the JWK Set at start-up, and checks `exp`, `iss` and `aud`. Nothing else:
 * no syntax rules, no `kid` lookup, no `nbf`/`iat`, no type, no cache, no diagnostics. It refuses a
 * forged, expired or missing token (the benchmark's sanity check asserts so), answering a bare 401.
 *
 * Not a verifier anyone should use: it is a yardstick.
 */

/** The one RS256 key of the bench JWK Set, fetched once. */
async function fetchKey(jwksUri) {
  const response = await globalThis.fetch(jwksUri)
  if (!response.ok) throw new Error(`JWK Set answered ${response.status}`)
  const { keys } = await response.json()
  const jwk = keys.find((candidate) => candidate.alg === 'RS256')
  if (!jwk) throw new Error('no RS256 key in the JWK Set')
  return createPublicKey({ key: jwk, format: 'jwk' })
}

const PREFIX = 'Bearer '

/**
 * `verify(authorization, done)` calls `done(payload)` for a valid token and `done(undefined)` otherwise,
 * from the thread pool's callback (or at once for a token refused before the signature check).
 */
export async function createFloorVerifier({ issuer, audience, jwksUri }) {
  const key = await fetchKey(jwksUri)
  return function floorVerify(authorization, done) {
    if (typeof authorization !== 'string' || !authorization.startsWith(PREFIX)) return done(undefined)
    const token = authorization.slice(PREFIX.length)
    const first = token.indexOf('.')
    const second = token.indexOf('.', first + 1)
    if (first < 0 || second < 0) return done(undefined)
    let header
    let payload
    try {
      header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString())
      payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString())
    } catch {
      return done(undefined)
    }
    const aud = payload.aud
    if (
      header.alg !== 'RS256' ||
      payload.iss !== issuer ||
      !(aud === audience || (Array.isArray(aud) && aud.includes(audience))) ||
      !(payload.exp > Date.now() / 1000)
    )
      return done(undefined)
    const data = Buffer.from(token.slice(0, second), 'latin1')
    const signature = Buffer.from(token.slice(second + 1), 'base64url')
    verify('sha256', data, key, signature, (error, valid) => done(!error && valid ? payload : undefined))
  }
}
