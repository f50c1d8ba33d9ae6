import { ConfigError } from '../errors.js'
import type { IssuerConfig, IssuerOption, VerifierOptions } from '../options.js'
import { requireClaimOneOf, type ProviderProfile } from './profile.js'

/**
 * `profiles.<provider>(…)`: options to spread into `createVerifier` / `jwtAuth`, with each provider's
 * issuer and audience forms and its mandatory checks (see `profile.ts` for why they cannot be dropped).
 */

/** What a profile returns: spread it, then add your own options (`validate`, `jwks`, …). */
export type ProfileOptions = { issuer: IssuerOption } & Pick<VerifierOptions, 'audience'> &
  Partial<Pick<VerifierOptions, 'jwksUri'>> & { profile: ProviderProfile }

function text(value: unknown, option: string, pattern = /^[A-Za-z0-9._:-]+$/): string {
  if (typeof value !== 'string' || !pattern.test(value))
    throw new ConfigError(option, 'must be a non-empty string of letters, digits, ".", "_", ":" or "-"')
  return value
}

function list(value: unknown, option: string): string[] {
  const items = Array.isArray(value) ? value : [value]
  if (items.length === 0 || !items.every((item) => typeof item === 'string' && item !== ''))
    throw new ConfigError(option, 'must be a non-empty string or array of non-empty strings')
  return items as string[]
}

function make(
  name: string,
  issuer: IssuerOption,
  audience: VerifierOptions['audience'],
  check: ProviderProfile['check'] = () => undefined,
  jwksUri?: string,
): ProfileOptions {
  const profile: ProviderProfile = Object.freeze({ name, issuer, audience, check })
  return { issuer, audience, ...(jwksUri === undefined ? {} : { jwksUri }), profile }
}

/**
 * Amazon Cognito access tokens: no `aud`, so `token_use` must be `access` and `client_id` one of yours.
 * @example
 * ```ts
 * createVerifier({ ...profiles.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC', clientId: 'app' }) })
 * ```
 */
export function cognito(options: {
  region: string
  userPoolId: string
  clientId: string | string[]
}): ProfileOptions {
  const region = text(options.region, 'cognito.region')
  const pool = text(options.userPoolId, 'cognito.userPoolId')
  const clients = list(options.clientId, 'cognito.clientId')
  return make('cognito', `https://cognito-idp.${region}.amazonaws.com/${pool}`, null, (payload) => {
    requireClaimOneOf(payload, 'token_use', ['access'], 'cognito')
    requireClaimOneOf(payload, 'client_id', clients, 'cognito')
  })
}

const ENTRA_KEYS = 'https://login.microsoftonline.com/common/discovery/v2.0/keys'

/**
 * Microsoft Entra ID access tokens for your API. v2 (default): issuer
 * `https://login.microsoftonline.com/{tenant}/v2.0`, audience the client id, `ver` `2.0`. v1: issuer
 * `https://sts.windows.net/{tenant}/`, audience the Application ID URI (default `api://{clientId}`) or the
 * client id, `ver` `1.0`. With `tenants` or `isTenantAllowed` instead of `tenantId`: a multi-tenant app (an
 * issuer template; `tid` must equal the tenant in `iss`). `jwksUri` overrides Microsoft's key set (tests,
 * national clouds).
 * @example
 * ```ts
 * createVerifier({ ...profiles.entra({ tenantId: 'TENANT_ID', clientId: 'CLIENT_ID' }) })
 * ```
 */
export function entra(options: {
  clientId: string
  tenantId?: string
  tenants?: string[]
  isTenantAllowed?: IssuerConfig['isTenantAllowed']
  version?: 1 | 2
  appIdUri?: string
  jwksUri?: string
}): ProfileOptions {
  const clientId = text(options.clientId, 'entra.clientId')
  const version = options.version ?? 2
  if (version !== 1 && version !== 2) throw new ConfigError('entra.version', 'must be 1 or 2')
  const audience = version === 2 ? clientId : [options.appIdUri ?? `api://${clientId}`, clientId]
  const ver = version === 2 ? '2.0' : '1.0'
  const check = (payload: Record<string, unknown>) => requireClaimOneOf(payload, 'ver', [ver], 'entra')
  const issuerOf = (tenant: string) =>
    version === 2 ? `https://login.microsoftonline.com/${tenant}/v2.0` : `https://sts.windows.net/${tenant}/`
  const jwksUri = options.jwksUri ?? ENTRA_KEYS
  const multi = options.tenants !== undefined || options.isTenantAllowed !== undefined
  if (multi === (options.tenantId !== undefined))
    throw new ConfigError(
      'entra.tenantId',
      'or "tenants" / "isTenantAllowed" (multi-tenant) is required, not both',
    )
  if (!multi)
    return make('entra', issuerOf(text(options.tenantId, 'entra.tenantId')), audience, check, jwksUri)
  const entry: IssuerConfig = { issuer: issuerOf('{tenantid}'), jwksUri }
  if (options.tenants !== undefined) entry.tenants = options.tenants
  if (options.isTenantAllowed !== undefined) entry.isTenantAllowed = options.isTenantAllowed
  return make('entra', [entry], audience, check)
}

/**
 * GitHub Actions OIDC tokens. Anyone can mint one for any audience from their own workflow, so a pin is
 * required: `repository` (`owner/name`) and/or `repositoryOwnerId` (immune to renames).
 * @example
 * ```ts
 * createVerifier({ ...profiles.githubActions({ audience: 'https://deploy.example.com', repository: 'acme/app' }) })
 * ```
 */
export function githubActions(options: {
  audience: string
  repository?: string
  repositoryOwnerId?: string
}): ProfileOptions {
  const audience = list(options.audience, 'githubActions.audience')
  const { repository, repositoryOwnerId } = options
  if (repository === undefined && repositoryOwnerId === undefined)
    throw new ConfigError(
      'githubActions.repository',
      'or "repositoryOwnerId" is required: anyone can mint these tokens',
    )
  if (repository !== undefined)
    text(repository, 'githubActions.repository', /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/)
  if (repositoryOwnerId !== undefined) text(repositoryOwnerId, 'githubActions.repositoryOwnerId', /^\d+$/)
  return make('githubActions', 'https://token.actions.githubusercontent.com', audience, (payload) => {
    if (repository !== undefined) requireClaimOneOf(payload, 'repository', [repository], 'githubActions')
    if (repositoryOwnerId !== undefined)
      requireClaimOneOf(payload, 'repository_owner_id', [repositoryOwnerId], 'githubActions')
  })
}

/**
 * Google-signed ID tokens of a service account (workload identity). Anyone can mint one for any audience,
 * so `email` or `sub` of the service account is required. Both `iss` forms are accepted.
 * @example
 * ```ts
 * createVerifier({ ...profiles.googleServiceAccount({ audience: 'https://api.example.com', email: 'ci@p.iam.gserviceaccount.com' }) })
 * ```
 */
export function googleServiceAccount(options: {
  audience: string
  email?: string
  sub?: string
  jwksUri?: string
}): ProfileOptions {
  const audience = list(options.audience, 'googleServiceAccount.audience')
  const { email, sub } = options
  if (email === undefined && sub === undefined)
    throw new ConfigError('googleServiceAccount.email', 'or "sub" is required: anyone can mint these tokens')
  if (email !== undefined) text(email, 'googleServiceAccount.email', /^[^\s@]+@[^\s@]+$/)
  if (sub !== undefined) text(sub, 'googleServiceAccount.sub', /^\d+$/)
  const jwksUri = options.jwksUri ?? 'https://www.googleapis.com/oauth2/v3/certs'
  const issuer = ['https://accounts.google.com', 'accounts.google.com']
  return make(
    'googleServiceAccount',
    issuer,
    audience,
    (payload) => {
      if (email !== undefined) {
        requireClaimOneOf(payload, 'email', [email], 'googleServiceAccount')
        requireClaimOneOf(payload, 'email_verified', [true], 'googleServiceAccount')
      }
      if (sub !== undefined) requireClaimOneOf(payload, 'sub', [sub], 'googleServiceAccount')
    },
    jwksUri,
  )
}

/** Auth0: the issuer ends with a slash; RBAC permissions arrive in `permissions`. */
export function auth0(options: { domain: string; audience: string | string[] }): ProfileOptions {
  const domain = text(options.domain, 'auth0.domain')
  return make('auth0', `https://${domain}/`, list(options.audience, 'auth0.audience'))
}

/**
 * Okta access tokens. A custom authorization server (default: the one named `default`) has the issuer
 * `https://{domain}/oauth2/{authorizationServerId}`, and the `default` server's audience is `api://default`
 * unless you changed it; `orgAuthorizationServer: true` uses the org server's issuer `https://{domain}` (Okta
 * means its access tokens for Okta's own APIs, so `audience` is required). Scopes arrive as an array in `scp`,
 * which `requireScopes` reads; with `clientId`, the token's `cid` must be one of them.
 *
 * Security: every API on the `default` server shares the audience `api://default`, so a token any client got
 * for another of your org's APIs passes the audience check: pin `clientId`, or give the API its own audience.
 * @example
 * ```ts
 * createVerifier({ ...profiles.okta({ domain: 'acme.okta.com', clientId: '0oa1app' }) })
 * ```
 */
export function okta(options: {
  domain: string
  authorizationServerId?: string
  orgAuthorizationServer?: boolean
  audience?: string | string[]
  clientId?: string | string[]
}): ProfileOptions {
  const domain = text(options.domain, 'okta.domain')
  const org = options.orgAuthorizationServer === true
  if (org && options.authorizationServerId !== undefined)
    throw new ConfigError('okta.authorizationServerId', 'cannot be set with "orgAuthorizationServer"')
  const server = org
    ? undefined
    : text(options.authorizationServerId ?? 'default', 'okta.authorizationServerId')
  if (options.audience === undefined && server !== 'default')
    throw new ConfigError('okta.audience', 'is required but for the "default" authorization server')
  const audience = list(options.audience ?? 'api://default', 'okta.audience')
  const clients = options.clientId === undefined ? undefined : list(options.clientId, 'okta.clientId')
  const issuer = server === undefined ? `https://${domain}` : `https://${domain}/oauth2/${server}`
  return make('okta', issuer, audience, (payload) => {
    if (clients !== undefined) requireClaimOneOf(payload, 'cid', clients, 'okta')
  })
}

/** Keycloak: `https://host/realms/REALM`, or with `legacyAuthPath` the pre-17 `https://host/auth/realms/REALM`. */
export function keycloak(options: {
  url: string
  realm: string
  audience: string | string[]
  legacyAuthPath?: boolean
}): ProfileOptions {
  const base = options.url
  if (typeof base !== 'string' || !/^https?:\/\/[^/?#]+$/.test(base))
    throw new ConfigError('keycloak.url', 'must be the server origin, e.g. "https://sso.example.com"')
  const realm = text(options.realm, 'keycloak.realm')
  const path = options.legacyAuthPath === true ? '/auth/realms/' : '/realms/'
  return make('keycloak', `${base}${path}${realm}`, list(options.audience, 'keycloak.audience'))
}
