import { errorText } from './diagnostics.js'
import { NotReadyError, type NotReadyFailure } from './errors.js'
import type { KeySource } from './keys/key-source.js'
import type { ResolvedOptions, TrustedIssuer } from './resolve-options.js'

/**
 * `verifier.ready()`: discovery and the first JWK Set fetch of every issuer, now. Several issuers sharing
 * one key source load it once. Rejects with a `NotReadyError` naming each issuer that failed and why.
 */
export async function loadKeys(config: ResolvedOptions): Promise<void> {
  const sources = new Map<KeySource, TrustedIssuer>()
  for (const trusted of config.issuers.values())
    if (!sources.has(trusted.keys)) sources.set(trusted.keys, trusted)
  const checks: { trusted: TrustedIssuer; source: string; run: () => Promise<unknown> | undefined }[] = []
  for (const [keys, trusted] of sources)
    checks.push({ trusted, source: keys.description ?? 'the configured keys', run: () => keys.ready?.() })
  // An issuer whose opaque tokens are introspected is ready once its endpoint is known (no token is sent).
  for (const trusted of config.issuers.values()) {
    const introspector = trusted.introspector
    if (introspector !== undefined)
      checks.push({ trusted, source: introspector.description, run: () => introspector.findEndpoint() })
  }
  const outcomes = await Promise.allSettled(checks.map(async (check) => check.run()))
  const failures: NotReadyFailure[] = []
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') return
    const { trusted, source } = checks[index] as (typeof checks)[number]
    failures.push({ issuer: trusted.issuer, keySource: source, cause: outcome.reason })
  })
  if (failures.length > 0) throw new NotReadyError(failures, errorText)
}
