import { ConfigError } from '../errors.js'

/**
 * An issuer template: an issuer URL with `{tenantid}` standing for exactly one path segment, e.g.
 * `https://login.microsoftonline.com/{tenantid}/v2.0`. A token's `iss` matches only when it is the
 * template's text before the placeholder, then one tenant id, then the template's text after it — byte for
 * byte: no URL parsing, no case folding, no percent-decoding, so `..`, `%2F`, an upper-case host or an extra
 * segment never match.
 */

export const TENANT_PLACEHOLDER = '{tenantid}'

/**
 * What a tenant id may be: one path segment of letters, digits, `-`, `_` and `.` (not first, so `.` and `..`
 * are excluded), at most 128 characters. Entra tenant ids are GUIDs; SaaS ids are slugs.
 */
const TENANT_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

/** Whether `value` is a valid tenant id (see the charset above). */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value)
}

/** Whether an issuer string is a template (holds `{tenantid}`). */
export function isIssuerTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes(TENANT_PLACEHOLDER)
}

export interface IssuerTemplate {
  readonly template: string
  /** The template's host, lower case as written (Microsoft hosts get `tid` as the default tenant claim). */
  readonly host: string
  /** The tenant id in `iss`, or `undefined` when `iss` does not match the template exactly. */
  match(iss: string): string | undefined
  /** The template with `tenantId` in place of the placeholder. */
  fill(tenantId: string): string
}

/**
 * Checks where the placeholder sits: once, as a whole path segment, after the host — never in the scheme,
 * host, port, query or fragment, where a tenant id could steer a fetch to another server.
 * @throws ConfigError naming `option`
 */
export function parseIssuerTemplate(template: string, option: string): IssuerTemplate {
  const at = template.indexOf(TENANT_PLACEHOLDER)
  if (at !== template.lastIndexOf(TENANT_PLACEHOLDER))
    throw new ConfigError(option, `must hold "${TENANT_PLACEHOLDER}" once`)
  const prefix = template.slice(0, at)
  const suffix = template.slice(at + TENANT_PLACEHOLDER.length)
  if (/[{}?#%]/.test(prefix + suffix))
    throw new ConfigError(option, 'must have no other braces, no query, fragment or percent-encoding')
  let url: URL
  try {
    url = new URL(prefix + 'tenant' + suffix)
  } catch {
    throw new ConfigError(option, 'must be an absolute URL with "{tenantid}" as one path segment')
  }
  // The text before the placeholder must be the whole origin plus whole path segments.
  const origin = `${url.protocol}//${url.host}`
  if (
    !prefix.startsWith(origin + '/') ||
    !prefix.endsWith('/') ||
    !(suffix === '' || suffix.startsWith('/')) ||
    url.username !== '' ||
    url.password !== ''
  )
    throw new ConfigError(
      option,
      `must have "${TENANT_PLACEHOLDER}" as one whole path segment after the host (never in the host)`,
    )
  const length = prefix.length + suffix.length
  return {
    template,
    host: url.hostname,
    match(iss) {
      if (iss.length <= length || !iss.startsWith(prefix) || !iss.endsWith(suffix)) return undefined
      const tenantId = iss.slice(prefix.length, iss.length - suffix.length)
      return TENANT_ID.test(tenantId) ? tenantId : undefined
    },
    fill: (tenantId) => prefix + tenantId + suffix,
  }
}
