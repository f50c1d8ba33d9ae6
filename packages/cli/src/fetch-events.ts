import diagnostics from 'node:diagnostics_channel'
import type { DiscoveryFetchMessage, JwksFetchMessage } from '@tokenguard/core'

/** What the core's key source fetched, from its `tokenguard:*:fetch` diagnostics channels. */
export interface FetchEvents {
  discovery: DiscoveryFetchMessage[]
  jwks: JwksFetchMessage[]
  /** Stops listening. */
  stop(): void
}

/** Starts recording the core's discovery and JWK Set fetches (timings, status, key counts, errors). */
export function recordFetches(): FetchEvents {
  const events: FetchEvents = { discovery: [], jwks: [], stop }
  const onDiscovery = (message: unknown) => events.discovery.push(message as DiscoveryFetchMessage)
  const onJwks = (message: unknown) => events.jwks.push(message as JwksFetchMessage)
  diagnostics.subscribe('tokenguard:discovery:fetch', onDiscovery)
  diagnostics.subscribe('tokenguard:jwks:fetch', onJwks)
  function stop(): void {
    diagnostics.unsubscribe('tokenguard:discovery:fetch', onDiscovery)
    diagnostics.unsubscribe('tokenguard:jwks:fetch', onJwks)
  }
  return events
}

/** `200, 12 ms` */
export function outcome(status: number | undefined, durationMs: number): string {
  return `${status === undefined ? 'no response' : `HTTP ${status}`}, ${Math.round(durationMs)} ms`
}
