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
  const outcomes = await Promise.allSettled([...sources.keys()].map(async (keys) => keys.ready?.()))
  const failures: NotReadyFailure[] = []
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') return
    const trusted = [...sources.values()][index] as TrustedIssuer
    failures.push({
      issuer: trusted.issuer,
      keySource: trusted.keys.description ?? 'the configured keys',
      cause: outcome.reason,
    })
  })
  if (failures.length > 0) throw new NotReadyError(failures, errorText)
}
