import { errorText } from '../diagnostics.js'
import { AuthError, ConfigError } from '../errors.js'
import type { FlattenedJWSInput, JWSHeaderParameters } from 'jose'
import type { KeySource, VerificationKey } from '../keys/key-source.js'
import { safeValue, show } from '../reason.js'
import type { TrustedIssuer } from '../resolve-options.js'
import { CallBudget, ExpiringLru } from './issuer-cache.js'
import type {
  IssuerCacheSettings,
  IssuerKeys,
  IssuerResolver,
  KeyBuilder,
  TenantTemplate,
} from './issuer-options.js'

/**
 * The issuers that are not listed statically: tenants of an issuer template, and issuers `resolveIssuer`
 * vouches for. The token's unverified `iss` is only ever a lookup key: it is matched byte for byte against a
 * template, or handed to your resolver; the keys used are those of the entry found, and a URL is fetched only
 * when it is a configured template filled with an allowed tenant id, or a URL the resolver returned.
 */

/** Longest `iss` looked at: real issuers are short, and a longer one is refused without any call. */
export const MAX_ISSUER_LENGTH = 1024

/** An issuer found at run time, with the tenant its tokens must name. */
type FoundIssuer = TrustedIssuer & {
  readonly tenant: { readonly claim: string; readonly id: string } | undefined
  retire(): void
}

export interface IssuerDirectory {
  /** The trusted entry for `iss`, or `undefined` to refuse it as an untrusted issuer. */
  select(iss: unknown, payload: Record<string, unknown>): Promise<TrustedIssuer | undefined>
  /**
   * The same for an issuer already trusted and cached, at once (its tenant claim checked); `undefined` when
   * `select` must decide. Spares a cached tenant's verification a promise.
   */
  selectKnown(iss: unknown, payload: Record<string, unknown>): TrustedIssuer | undefined
  /** Drops what is known about `iss` (trusted or refused) and re-verifies its cached tokens. */
  forget(iss: string): boolean
}

export interface DirectorySettings {
  templates: readonly TenantTemplate[]
  resolver: IssuerResolver | undefined
  cache: IssuerCacheSettings
  build: KeyBuilder
  now: () => number
}

const DONE = Promise.resolve()

/** Infrastructure failed (the resolver, the tenant check, the call budget): a 503, never a 401 or a pass. */
function unavailable(message: string, cause?: unknown): AuthError {
  return new AuthError('keys_unavailable', { cause, reason: { message } })
}

/**
 * The issuer's key source, retired when the entry leaves the cache (expired, evicted, forgotten): its
 * generation then changes and `freshen` asks for a check, so tokens it verified are verified again, which
 * looks the issuer up anew. A class rather than an object literal: V8 keeps a literal with a getter in
 * dictionary mode, and every cached tenant's verification reads this object.
 */
class RetirableKeySource implements KeySource {
  private retired = false
  readonly description: string | undefined

  constructor(
    private readonly inner: KeySource,
    private readonly expiresAt: number,
  ) {
    this.description = inner.description
  }

  get generation(): number {
    return this.retired ? -1 : this.inner.generation
  }

  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey> {
    return this.inner.getKey(header, token)
  }

  freshen(nowMs: number): Promise<void> | undefined {
    if (nowMs >= this.expiresAt) this.retired = true
    return this.retired ? DONE : this.inner.freshen?.(nowMs)
  }

  knownKey(alg: string, kid: unknown, nowMs: number): VerificationKey | undefined {
    return this.inner.knownKey?.(alg, kid, nowMs)
  }

  retire(): void {
    this.retired = true
  }
}

function retirable(inner: KeySource, expiresAt: number): { keys: KeySource; retire(): void } {
  const keys = new RetirableKeySource(inner, expiresAt)
  return { keys, retire: () => keys.retire() }
}

function tenantMismatch(claim: string, expected: string, actual: unknown): AuthError {
  return new AuthError('claim_invalid', {
    claim,
    reason: {
      check: 'claim',
      message: `claim "${claim}" ${actual === undefined ? '(none)' : show(actual)} is not the tenant ${show(expected)} of iss`,
      expected,
      actual: actual === undefined ? null : safeValue(actual),
    },
  })
}

/** The token names the tenant of its `iss` in its tenant claim (checked on the payload the signature covers). */
function checkTenant(found: FoundIssuer, payload: Record<string, unknown>): FoundIssuer {
  const { tenant } = found
  if (tenant !== undefined && payload[tenant.claim] !== tenant.id)
    throw tenantMismatch(tenant.claim, tenant.id, payload[tenant.claim])
  return found
}

/** Checks what the resolver returned, and builds its keys: never by discovery from the token's `iss`. */
function resolvedKeys(value: unknown, iss: string, build: KeyBuilder): IssuerKeys {
  if (typeof value !== 'object' || value === null) throw new Error('it is not an object')
  const entry = value as Record<string, unknown>
  for (const name of Object.keys(entry))
    if (!['issuer', 'jwksUri', 'keys', 'secret', 'algorithms'].includes(name))
      throw new Error(`"${name}" is not a known option`)
  if (entry.issuer !== undefined && entry.issuer !== iss)
    throw new Error('its "issuer" is not the iss asked about')
  if (entry.jwksUri === undefined && entry.keys === undefined && entry.secret === undefined)
    throw new Error('it has no "jwksUri", "keys" or "secret" (resolved issuers are never discovered)')
  return build(entry, 'resolveIssuer().', iss)
}

export function createIssuerDirectory(settings: DirectorySettings): IssuerDirectory {
  const { templates, resolver, cache, build, now } = settings
  const trusted = new ExpiringLru<FoundIssuer>(cache.maxEntries, cache.ttl, (found) => found.retire())
  const refused = new ExpiringLru<true>(cache.maxNegativeEntries, cache.negativeTtl)
  const budget = new CallBudget(cache.maxResolvesPerMinute, now())
  const pending = new Map<string, Promise<FoundIssuer | undefined>>()
  let forgets = 0

  function remember(
    iss: string,
    made: IssuerKeys,
    tenant: FoundIssuer['tenant'],
    nowMs: number,
  ): FoundIssuer {
    const { keys, retire } = retirable(made.keys, nowMs + cache.ttl)
    const found: FoundIssuer = { issuer: iss, keys, algorithms: made.algorithms, tenant, retire }
    trusted.set(iss, found, nowMs)
    return found
  }

  /** One call to the tenant check or the resolver, its answer cached unless `forget` ran meanwhile. */
  async function ask(
    iss: string,
    template: TenantTemplate | undefined,
    tenantId: string,
  ): Promise<FoundIssuer | undefined> {
    const epoch = forgets
    let made: IssuerKeys | undefined
    try {
      if (template !== undefined) {
        const verdict = await (template.isTenantAllowed as (id: string) => unknown)(tenantId)
        made = verdict === true ? template.keysFor(tenantId) : undefined
      } else {
        const value = await (resolver as IssuerResolver)(iss)
        made = value === undefined ? undefined : resolvedKeys(value, iss, build)
      }
    } catch (cause) {
      const what = template === undefined ? 'resolveIssuer' : 'isTenantAllowed'
      const problem = cause instanceof ConfigError ? 'returned an unusable entry' : 'failed'
      throw unavailable(`${what} ${problem}: ${errorText(cause)}`, cause)
    }
    const nowMs = now()
    if (made !== undefined && epoch !== forgets) {
      // `forgetIssuer` ran while this answer was on its way: serve this one request, cache nothing, and
      // make a token cached from it look the issuer up again at its next use.
      const { keys, retire } = retirable(made.keys, nowMs)
      return { issuer: iss, keys, algorithms: made.algorithms, tenant: tenantOf(template, tenantId), retire }
    }
    if (made === undefined) {
      refused.set(iss, true, nowMs)
      return undefined
    }
    return remember(iss, made, tenantOf(template, tenantId), nowMs)
  }

  function tenantOf(template: TenantTemplate | undefined, id: string): FoundIssuer['tenant'] {
    return template === undefined ? undefined : { claim: template.tenantClaim, id }
  }

  return {
    selectKnown(iss, payload) {
      if (typeof iss !== 'string' || iss.length > MAX_ISSUER_LENGTH) return undefined
      const known = trusted.get(iss, now())
      return known === undefined ? undefined : checkTenant(known, payload)
    },
    async select(iss, payload) {
      if (typeof iss !== 'string' || iss.length > MAX_ISSUER_LENGTH) return undefined
      const nowMs = now()
      const known = trusted.get(iss, nowMs)
      if (known !== undefined) return checkTenant(known, payload)
      if (refused.get(iss, nowMs)) return undefined
      let template: TenantTemplate | undefined
      let tenantId = ''
      for (const candidate of templates) {
        const id = candidate.template.match(iss)
        if (id !== undefined) {
          template = candidate
          tenantId = id
          break
        }
      }
      if (template !== undefined) {
        // The tenant claim first: a mismatch costs no allowlist call and no key fetch.
        if (payload[template.tenantClaim] !== tenantId)
          throw tenantMismatch(template.tenantClaim, tenantId, payload[template.tenantClaim])
        if (template.tenants !== undefined)
          return template.tenants.has(tenantId)
            ? remember(iss, template.keysFor(tenantId), tenantOf(template, tenantId), nowMs)
            : undefined
      } else if (resolver === undefined) return undefined
      let waiting = pending.get(iss)
      if (waiting === undefined) {
        if (!budget.take(nowMs))
          throw unavailable(
            `too many unknown issuers: the ${cache.maxResolvesPerMinute} lookups per minute (issuerCache.maxResolvesPerMinute) are spent`,
          )
        waiting = ask(iss, template, tenantId).finally(() => pending.delete(iss))
        pending.set(iss, waiting)
      }
      const found = await waiting
      return found && checkTenant(found, payload)
    },
    forget(iss) {
      forgets++
      const wasTrusted = trusted.delete(iss)
      return refused.delete(iss) || wasTrusted
    },
  }
}
