/**
 * Where a remote JWK Set lives: a configured URL that never changes, or one found by discovery that an
 * issuer may move (see `DiscoveredJwksLocation`).
 */
export interface JwksLocation {
  /** Where the set is, for the operator's explanations: its URL, or the issuer being discovered. */
  readonly description: string
  /** The JWK Set URL to fetch now. Rejects only when no URL is known at all. */
  current(): Promise<string>
  /**
   * Called when `uri` answered 404 or 410. Resolves to another URL to fetch at once when the set has
   * moved, or `undefined` to let the failure stand. Never rejects. Absent for a configured URL.
   */
  relocate?(uri: string): Promise<string | undefined>
}

/** A configured JWK Set URL: nothing to rediscover, a 404 is just a failed fetch. */
export function fixedJwksLocation(uri: string): JwksLocation {
  const current = Promise.resolve(uri)
  return { description: uri, current: () => current }
}
