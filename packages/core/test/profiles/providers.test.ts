import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier, profiles, type VerifierOptions } from '@tokenguard/core'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/** Provider profiles with tokens shaped like each provider's; their checks survive a user's `validate`. */

const now = () => NOW * 1000
const times = { iat: NOW - 10, exp: NOW + 600 }
let key: TestKey
let keys: JwksServer
beforeAll(async () => {
  key = await makeKey('RS256')
  keys = await startJwksServer([key.publicJwk])
})
afterAll(() => keys.close())

const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC'
const cognitoAccess = (overrides: Record<string, unknown> = {}) =>
  sign(key, {
    iss: COGNITO,
    token_use: 'access',
    client_id: 'app',
    sub: 'u',
    scope: 'read',
    ...times,
    ...overrides,
  })

describe('profiles.cognito', () => {
  const options = () => ({
    ...profiles.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC', clientId: ['app', 'cli'] }),
    keys: key.publicJwk,
    now,
    validate: () => true, // a user's validate does not replace the profile's checks
  })

  it('accepts an access token (no aud) of a configured client', async () => {
    await expect(createVerifier(options()).verify(await cognitoAccess())).resolves.toBeDefined()
  })

  it('refuses an ID token, another client, or no client_id', async () => {
    const verifier = createVerifier(options())
    for (const [overrides, claim] of [
      [{ token_use: 'id', aud: 'app' }, 'token_use'],
      [{ client_id: 'other' }, 'client_id'],
      [{ client_id: undefined }, 'client_id'],
    ] as const) {
      const error = await expectAuthError(verifier.verify(await cognitoAccess(overrides)), 'claim_invalid')
      expect(error.claim).toBe(claim)
    }
  })

  it("refuses an override of the profile's issuer or audience, and a hand-made profile", () => {
    expect(() => createVerifier({ ...options(), issuer: 'https://evil.example/' })).toThrow(ConfigError)
    expect(() => createVerifier({ ...options(), audience: 'x' })).toThrow(/"audience"/)
    expect(() => createVerifier({ ...options(), profile: {} } as unknown as VerifierOptions)).toThrow(
      /"profile"/,
    )
    for (const profile of [null, 'cognito'])
      expect(() => createVerifier({ ...options(), profile } as unknown as VerifierOptions)).toThrow(
        /"profile"/,
      )
    expect(() => profiles.cognito({ region: 'eu/west', userPoolId: 'p', clientId: 'a' })).toThrow(
      /cognito.region/,
    )
    expect(() => profiles.cognito({ region: 'r', userPoolId: 'p', clientId: [] })).toThrow(/cognito.clientId/)
  })
})

describe('profiles.entra', () => {
  const TID = '11111111-1111-4111-8111-111111111111'
  it('v2: issuer, client id audience and ver 2.0', async () => {
    const verifier = createVerifier({
      ...profiles.entra({ tenantId: TID, clientId: 'client', jwksUri: keys.jwksUri }),
      now,
    })
    const v2 = { iss: `https://login.microsoftonline.com/${TID}/v2.0`, aud: 'client', tid: TID, ...times }
    await expect(verifier.verify(await sign(key, { ...v2, ver: '2.0' }))).resolves.toBeDefined()
    const error = await expectAuthError(
      verifier.verify(await sign(key, { ...v2, ver: '1.0' })),
      'claim_invalid',
    )
    expect(error.claim).toBe('ver')
  })

  it('v1: sts.windows.net issuer and the Application ID URI', async () => {
    const verifier = createVerifier({
      ...profiles.entra({ tenantId: TID, clientId: 'client', version: 1, jwksUri: keys.jwksUri }),
      now,
    })
    const v1 = { iss: `https://sts.windows.net/${TID}/`, aud: 'api://client', ver: '1.0', ...times }
    await expect(verifier.verify(await sign(key, v1))).resolves.toBeDefined()
    await expectAuthError(verifier.verify(await sign(key, { ...v1, ver: '2.0' })), 'claim_invalid')
  })

  it('multi-tenant: a template with the allowed tenants and the tid check', async () => {
    const other = '22222222-2222-4222-8222-222222222222'
    const verifier = createVerifier({
      ...profiles.entra({ tenants: [TID], clientId: 'client', jwksUri: keys.jwksUri }),
      now,
    })
    const token = (tid: string, claimTid = tid) =>
      sign(key, {
        iss: `https://login.microsoftonline.com/${tid}/v2.0`,
        aud: 'client',
        tid: claimTid,
        ver: '2.0',
        ...times,
      })
    await expect(verifier.verify(await token(TID))).resolves.toBeDefined()
    await expectAuthError(verifier.verify(await token(other)), 'claim_invalid')
    await expectAuthError(verifier.verify(await token(TID, other)), 'claim_invalid')
    const allowing = createVerifier({
      ...profiles.entra({
        isTenantAllowed: (tid) => tid === other,
        clientId: 'client',
        jwksUri: keys.jwksUri,
      }),
      now,
    })
    await expect(allowing.verify(await token(other))).resolves.toBeDefined()
  })

  it('needs exactly one of tenantId and tenants, and version 1 or 2', () => {
    expect(() => profiles.entra({ clientId: 'c' })).toThrow(/entra.tenantId/)
    expect(() => profiles.entra({ clientId: 'c', tenantId: TID, tenants: [TID] })).toThrow(/entra.tenantId/)
    expect(() => profiles.entra({ clientId: 'c', tenantId: TID, version: 3 as 2 })).toThrow(/entra.version/)
    expect(profiles.entra({ clientId: 'c', tenantId: TID }).jwksUri).toBe(
      'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    )
  })
})

describe('workload identity', () => {
  const GH = 'https://token.actions.githubusercontent.com'
  it('githubActions: requires a pin and checks it', async () => {
    expect(() => profiles.githubActions({ audience: 'deploy' })).toThrow(/githubActions.repository/)
    expect(() => profiles.githubActions({ audience: 'deploy', repository: 'no-slash' })).toThrow(ConfigError)
    expect(() => profiles.githubActions({ audience: 'deploy', repositoryOwnerId: 'abc' })).toThrow(
      ConfigError,
    )
    const verifier = createVerifier({
      ...profiles.githubActions({ audience: 'deploy', repository: 'acme/app', repositoryOwnerId: '42' }),
      keys: key.publicJwk,
      now,
    })
    const claims = {
      iss: GH,
      aud: 'deploy',
      repository: 'acme/app',
      repository_owner_id: '42',
      sub: 'repo:acme/app',
      ...times,
    }
    await expect(verifier.verify(await sign(key, claims))).resolves.toBeDefined()
    await expectAuthError(
      verifier.verify(await sign(key, { ...claims, repository: 'evil/app' })),
      'claim_invalid',
    )
    await expectAuthError(
      verifier.verify(await sign(key, { ...claims, repository_owner_id: '43' })),
      'claim_invalid',
    )
  })

  it('googleServiceAccount: both iss forms, the pinned email (verified) or sub', async () => {
    expect(() => profiles.googleServiceAccount({ audience: 'api' })).toThrow(/googleServiceAccount.email/)
    expect(() => profiles.googleServiceAccount({ audience: 'api', email: 'nope' })).toThrow(ConfigError)
    expect(() => profiles.googleServiceAccount({ audience: 'api', sub: 'x' })).toThrow(ConfigError)
    expect(profiles.googleServiceAccount({ audience: 'api', sub: '1' }).jwksUri).toBe(
      'https://www.googleapis.com/oauth2/v3/certs',
    )
    const email = 'ci@project.iam.gserviceaccount.com'
    const byEmail = createVerifier({
      ...profiles.googleServiceAccount({ audience: 'api', email, jwksUri: keys.jwksUri }),
      now,
    })
    const claims = { aud: 'api', email, email_verified: true, sub: '1234', ...times }
    for (const iss of ['https://accounts.google.com', 'accounts.google.com'])
      await expect(byEmail.verify(await sign(key, { ...claims, iss }))).resolves.toBeDefined()
    const iss = 'https://accounts.google.com'
    await expectAuthError(
      byEmail.verify(await sign(key, { ...claims, iss, email: 'x@evil.example' })),
      'claim_invalid',
    )
    await expectAuthError(
      byEmail.verify(await sign(key, { ...claims, iss, email_verified: false })),
      'claim_invalid',
    )
    const bySub = createVerifier({
      ...profiles.googleServiceAccount({ audience: 'api', sub: '1234', jwksUri: keys.jwksUri }),
      now,
    })
    await expect(bySub.verify(await sign(key, { ...claims, iss }))).resolves.toBeDefined()
    await expectAuthError(bySub.verify(await sign(key, { ...claims, iss, sub: '999' })), 'claim_invalid')
  })
})

describe('issuer forms', () => {
  it('auth0 ends with a slash; keycloak with and without the legacy /auth path', async () => {
    expect(profiles.auth0({ domain: 'acme.eu.auth0.com', audience: 'api' }).issuer).toBe(
      'https://acme.eu.auth0.com/',
    )
    expect(profiles.keycloak({ url: 'https://sso.example', realm: 'dev', audience: 'api' }).issuer).toBe(
      'https://sso.example/realms/dev',
    )
    expect(
      profiles.keycloak({ url: 'https://sso.example', realm: 'dev', audience: ['api'], legacyAuthPath: true })
        .issuer,
    ).toBe('https://sso.example/auth/realms/dev')
    expect(() => profiles.keycloak({ url: 'https://sso.example/', realm: 'dev', audience: 'api' })).toThrow(
      /keycloak.url/,
    )
    const verifier = createVerifier({
      ...profiles.auth0({ domain: 'acme.eu.auth0.com', audience: 'api' }),
      keys: key.publicJwk,
      now,
    })
    const claims = { iss: 'https://acme.eu.auth0.com/', aud: 'api', permissions: ['read:items'], ...times }
    await expect(verifier.verify(await sign(key, claims))).resolves.toBeDefined()
  })
})
