import { discoveryFetchChannel, errorText, type DiscoveryFetchMessage } from '../diagnostics.js'
import { isAllowedKeyUrl } from '../url-policy.js'
import { FetchJsonError, fetchJson, type FetchJsonOptions } from './fetch-json.js'
import type { JwksLocation } from './jwks-location.js'

/**
 * Metadata URLs to try for an issuer, in order: OpenID Connect Discovery 1.0 §4 appends the well-known
 * path to the issuer; RFC 8414 §3.1 inserts it between the host and the issuer's path.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ]
}

/** A URL member of discovery metadata that tokenguard reads. */
export type MetadataMember = 'jwks_uri' | 'introspection_endpoint'

/**
 * Finds an issuer's `jwks_uri` from its metadata. The document's `issuer` must equal the configured one
 * exactly (RFC 8414 §3.3), so a metadata endpoint cannot speak for another issuer.
 */
export function discoverJwksUri(
  issuer: string,
  options: FetchJsonOptions & { allowHttpHosts?: ReadonlySet<string> },
): Promise<string> {
  return discoverUrl(issuer, 'jwks_uri', options)
}

/**
 * Finds a URL `member` of an issuer's metadata (the first of {@link metadataUrls} that has it), held to
 * the same rules as configured URLs: https, or http on loopback and `allowHttpHosts`.
 */
export async function discoverUrl(
  issuer: string,
  member: MetadataMember,
  options: FetchJsonOptions & { allowHttpHosts?: ReadonlySet<string> },
): Promise<string> {
  const startedAt = performance.now()
  const publish = member === 'jwks_uri'
  let failure: unknown
  let failedUrl = ''
  for (const url of metadataUrls(issuer)) {
    try {
      const { body } = await fetchJson(url, options)
      if (typeof body !== 'object' || body === null) throw new FetchJsonError('metadata is not a JSON object')
      const metadata = body as Record<string, unknown>
      if (metadata.issuer !== issuer)
        throw new FetchJsonError('metadata issuer does not match the configured issuer')
      const value = metadata[member]
      if (typeof value !== 'string') throw new FetchJsonError(`metadata has no ${member}`)
      let found: URL
      try {
        found = new URL(value)
      } catch (cause) {
        throw new FetchJsonError(`metadata ${member} is not a URL`, { cause })
      }
      if (!isAllowedKeyUrl(found, options.allowHttpHosts))
        throw new FetchJsonError(`metadata ${member} is not https (nor a host in allowHttpHosts)`)
      if (publish) publishDiscovery(issuer, url, startedAt, { status: 200, jwksUri: found.href })
      return found.href
    } catch (error) {
      // Report the failure that explains most: a later URL's 404 (the issuer simply does not serve that
      // form) must not hide an earlier URL's timeout or bad document.
      if (failure === undefined || !isNotFound(error)) {
        failure = error
        failedUrl = url
      }
    }
  }
  const status = failure instanceof FetchJsonError ? failure.status : undefined
  if (publish)
    publishDiscovery(issuer, failedUrl, startedAt, {
      ...(status === undefined ? {} : { status }),
      error: errorText(failure),
    })
  throw failure
}

const isNotFound = (error: unknown) => error instanceof FetchJsonError && error.status === 404

function publishDiscovery(
  issuer: string,
  url: string,
  startedAt: number,
  outcome: Pick<DiscoveryFetchMessage, 'status' | 'jwksUri' | 'error'>,
): void {
  if (!discoveryFetchChannel.hasSubscribers) return
  const message: DiscoveryFetchMessage = {
    issuer,
    url,
    durationMs: performance.now() - startedAt,
    ...outcome,
  }
  discoveryFetchChannel.publish(message)
}

/** Settings of {@link DiscoveredJwksLocation}, durations in milliseconds (`jwks.*` options). */
export interface DiscoverySettings extends FetchJsonOptions {
  /** Least time between two metadata reads once a `jwks_uri` is known. */
  cooldown: number
  /** Metadata older than this is read again before the next JWK Set fetch. */
  maxCacheAge: number
  now: () => number
  /** Hosts whose discovered `jwks_uri` may use plain `http:` (the `allowHttpHosts` option). */
  allowHttpHosts?: ReadonlySet<string>
}

/**
 * An issuer's `jwks_uri`, read from its metadata on first use and read again when it may have changed: once
 * the metadata is older than `maxCacheAge`, and when the JWK Set URL answers 404 or 410 (a provider that
 * moved its keys would otherwise break the verifier until a restart). Every read checks the `issuer` again.
 *
 * Once a `jwks_uri` is known, the metadata is read at most once per `cooldown`, so a JWK Set URL that keeps
 * answering 404 cannot turn every refetch into a discovery too; and a failed read keeps the last good
 * `jwks_uri`, so an outage of the metadata endpoint never takes down a JWK Set that still answers. Before a
 * `jwks_uri` is known, each call reads the metadata (the key set's retry delay paces those calls).
 *
 * Not safe to call concurrently: its one caller, `RemoteKeySet`, has one fetch in flight at a time.
 */
export class DiscoveredJwksLocation implements JwksLocation {
  private jwksUri: string | undefined
  private readAt = Number.NEGATIVE_INFINITY
  private attemptedAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly issuer: string,
    private readonly settings: DiscoverySettings,
  ) {}

  get description(): string {
    return this.jwksUri === undefined
      ? `discovery of ${this.issuer}`
      : `${this.jwksUri} (discovered from ${this.issuer})`
  }

  async current(): Promise<string> {
    if (this.jwksUri === undefined) return this.read()
    const now = this.settings.now()
    if (now - this.readAt >= this.settings.maxCacheAge && this.mayRead(now))
      return this.readOrKeep(this.jwksUri)
    return this.jwksUri
  }

  async relocate(uri: string): Promise<string | undefined> {
    if (this.jwksUri === undefined || !this.mayRead(this.settings.now())) return undefined
    const next = await this.readOrKeep(this.jwksUri)
    return next === uri ? undefined : next
  }

  private mayRead(now: number): boolean {
    return now - this.attemptedAt >= this.settings.cooldown
  }

  private async read(): Promise<string> {
    const startedAt = this.settings.now()
    this.attemptedAt = startedAt
    this.jwksUri = await discoverJwksUri(this.issuer, this.settings)
    this.readAt = startedAt
    return this.jwksUri
  }

  private readOrKeep(lastGood: string): Promise<string> {
    return this.read().catch(() => lastGood)
  }
}
