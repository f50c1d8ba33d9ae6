import { createHash } from 'node:crypto'

/**
 * A short correlation id for a token, to put in logs instead of the token: the first 16 characters
 * (96 bits) of the base64url SHA-256 of the compact token. The same token always gets the same id, so a
 * refusal in the server log can be matched with the client's report (which can compute it too), and
 * nothing that could be replayed is ever written down.
 *
 * @example
 * ```ts
 * logger.info({ tokenId: tokenId(req.auth.token), sub: req.auth.payload.sub }, 'authenticated')
 * ```
 */
export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 16)
}
