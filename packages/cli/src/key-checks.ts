import type { CheckResult } from './check-result.js'
import { outcome, type FetchEvents } from './fetch-events.js'
import { safe } from './text.js'

/** The `discovery` and `jwks` lines of `verify`, from the fetches the core made (none: not reached). */
export function keyChecks(events: FetchEvents): CheckResult[] {
  const checks: CheckResult[] = []
  for (const event of events.discovery) {
    checks.push(
      event.error === undefined
        ? {
            check: 'discovery',
            status: 'pass',
            message: `${safe(event.url)} → jwks_uri ${safe(event.jwksUri ?? '')} (${outcome(event.status, event.durationMs)})`,
          }
        : {
            check: 'discovery',
            status: 'fail',
            message: `${safe(event.url)}: ${safe(event.error)} (${outcome(event.status, event.durationMs)})`,
          },
    )
  }
  for (const event of events.jwks) {
    checks.push(
      event.error === undefined
        ? {
            check: 'jwks',
            status: 'pass',
            message: `${safe(event.url)}: ${event.keyCount} usable key(s), ${event.skippedKeys} skipped (${event.trigger} fetch, ${outcome(event.status, event.durationMs)})`,
          }
        : {
            check: 'jwks',
            status: 'fail',
            message: `${safe(event.url)}: ${safe(event.error)} (${event.trigger} fetch, ${outcome(event.status, event.durationMs)})`,
          },
    )
  }
  return checks
}
