import { InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import {
  ConfigError,
  createVerifier,
  isAuthError,
  scopesOf,
  type IssuerSource,
  type VerifiedToken,
  type Verifier,
  type VerifierCommonOptions,
  type VerifierOptions,
} from '@tokenguard/core'

/**
 * Options of {@link createMcpTokenVerifier}: a shared `verifier` and this server's `resource`, or the core's
 * verifier options where `resource` stands in for `audience` when `audience` is absent.
 */
export type McpTokenVerifierOptions =
  | { verifier: Verifier; resource: string }
  | (VerifierOptions & { resource: string; verifier?: never })
  | (Omit<VerifierCommonOptions, 'audience'> &
      IssuerSource & { audience?: undefined; resource: string; verifier?: never })

/** Parses `resource`: an absolute http(s) URL without query, fragment or credentials. */
export function resourceUrl(value: unknown): URL {
  let url: URL | undefined
  try {
    url = typeof value === 'string' && !/[?#]/.test(value) ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password
  )
    throw new ConfigError('resource', 'must be an absolute https: URL without query, fragment or credentials')
  return url
}

function verifierOf(options: McpTokenVerifierOptions): Verifier {
  const { resource, verifier, ...rest } = options as { resource: string; verifier?: Verifier } & Record<
    string,
    unknown
  >
  if (verifier === undefined)
    return createVerifier({ ...rest, audience: rest.audience ?? resource } as unknown as VerifierOptions)
  if (typeof verifier !== 'object' || verifier === null || typeof verifier.verify !== 'function')
    throw new ConfigError('verifier', 'must be a verifier made by createVerifier()')
  const [other] = Object.keys(rest)
  if (other !== undefined)
    throw new ConfigError(other, 'cannot be combined with "verifier": set it when creating the verifier')
  // RFC 8707 and the MCP specification: a token issued for another resource must be refused.
  if (!Array.isArray(verifier.audience))
    throw new ConfigError(
      'verifier',
      'must check an audience: create it with an audience (not audience: null)',
    )
  return verifier
}

/** The client a token was issued to: `client_id` (RFC 9068), `azp` (OpenID), or Entra ID v1's `appid`. */
function clientIdOf(payload: Readonly<Record<string, unknown>>): string {
  for (const claim of ['client_id', 'azp', 'appid']) {
    const value = payload[claim]
    if (typeof value === 'string' && value !== '') return value
  }
  return ''
}

/**
 * The SDK's `AuthInfo` of a verified token: `clientId`, `scopes` (from `scope`, `scp` or `permissions`),
 * `expiresAt` (`exp`), `resource`, and every claim in `extra.claims`.
 */
export function toAuthInfo(verified: VerifiedToken, resource: URL): AuthInfo {
  const payload = verified.payload as Readonly<Record<string, unknown>>
  return {
    token: verified.token,
    clientId: clientIdOf(payload),
    scopes: [...scopesOf(payload)],
    ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
    resource: new URL(resource.href),
    extra: { claims: verified.payload },
  }
}

/**
 * tokenguard's refusals as the SDK's errors: a key, revocation or replay-store outage becomes its
 * `ServerError` (the SDK answers 500), any other refusal its `InvalidTokenError` (401) with tokenguard's
 * generic text. Anything else is no verdict on the token and is thrown as is.
 */
function toSdkError(error: unknown): unknown {
  if (!isAuthError(error)) return error
  const mapped = error.status >= 500 ? new ServerError(error.message) : new InvalidTokenError(error.message)
  // Kept for server-side logs, as tokenguard keeps jose's error.
  Object.defineProperty(mapped, 'cause', { value: error, enumerable: false })
  return mapped
}

/**
 * An `OAuthTokenVerifier` for the official MCP TypeScript SDK (`requireBearerAuth({ verifier })`), backed by
 * a tokenguard verifier: signature, issuer, **audience** (the token must be issued for this server, RFC 8707;
 * no token passthrough), lifetime and your checks. Tokens bound to a key (`cnf`: DPoP, mTLS) are refused, as
 * the SDK's middleware checks no proof.
 *
 * Only tokenguard's own middleware (`mcpAuth`, `jwtAuth`) answers a key outage with 503 and a missing scope
 * with a 403 whose challenge carries `scope=`; behind the SDK's `requireBearerAuth`, an outage is its 500.
 *
 * @throws ConfigError at start-up for a bad option, or a shared verifier made with `audience: null`
 * @example
 * ```ts
 * const verifier = createMcpTokenVerifier({ issuer: 'https://idp.example.com/', resource: 'https://mcp.example.com/mcp' })
 * app.post('/mcp', requireBearerAuth({ verifier }), handler)
 * ```
 */
export function createMcpTokenVerifier(options: McpTokenVerifierOptions): OAuthTokenVerifier {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  const resource = resourceUrl(options.resource)
  const verifier = verifierOf(options)
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      let verified: VerifiedToken
      try {
        verified = await verifier.verify(token)
      } catch (error) {
        throw toSdkError(error)
      }
      return toAuthInfo(verified, resource)
    },
  }
}
