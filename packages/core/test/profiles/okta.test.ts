import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier, profiles, requireScopes } from '@tokenguard/core'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/** profiles.okta with access tokens shaped like Okta's: `scp` array, `cid`, `uid`, `ver: 1`, `jti: AT.…`. */

const now = () => NOW * 1000
let key: TestKey
let keys: JwksServer
beforeAll(async () => {
  key = await makeKey('RS256')
  keys = await startJwksServer([key.publicJwk])
})
afterAll(() => keys.close())

const DEFAULT_AS = 'https://acme.okta.com/oauth2/default'
const oktaAccess = (overrides: Record<string, unknown> = {}) =>
  sign(key, {
    ver: 1,
    jti: 'AT.k3yT0k3n',
    iss: DEFAULT_AS,
    aud: 'api://default',
    iat: NOW - 10,
    exp: NOW + 3600,
    cid: '0oa1app',
    uid: '00u1user',
    scp: ['openid', 'read:items'],
    auth_time: NOW - 60,
    sub: 'user@acme.example',
    ...overrides,
  })

describe('profiles.okta', () => {
  const verifier = (options: Parameters<typeof profiles.okta>[0]) =>
    createVerifier({ ...profiles.okta(options), jwksUri: keys.jwksUri, now, validate: () => true })

  it('default server: its issuer, api://default, and the cid of a configured client', async () => {
    const okta = verifier({ domain: 'acme.okta.com', clientId: ['0oa1app', '0oa2cli'] })
    await expect(okta.verify(await oktaAccess())).resolves.toBeDefined()
    for (const [overrides, code, claim] of [
      [{ cid: 'other' }, 'claim_invalid', 'cid'],
      [{ cid: undefined }, 'claim_invalid', 'cid'],
      [{ aud: '0oa1app' }, 'claim_invalid', 'aud'], // an ID token's audience is the client id
      [{ iss: 'https://acme.okta.com/oauth2/aus9other' }, 'claim_invalid', 'iss'],
    ] as const) {
      const error = await expectAuthError(okta.verify(await oktaAccess(overrides)), code)
      expect(error.claim).toBe(claim)
    }
    // Without clientId any client of the authorization server is accepted.
    const anyClient = verifier({ domain: 'acme.okta.com' })
    await expect(anyClient.verify(await oktaAccess({ cid: 'other' }))).resolves.toBeDefined()
  })

  it('requireScopes reads the scp array', async () => {
    const { payload } = await verifier({ domain: 'acme.okta.com' }).verify(await oktaAccess())
    const auth = { payload, header: { alg: 'RS256' }, token: 'x' }
    expect(() => requireScopes('read:items')(auth)).not.toThrow()
    expect(() => requireScopes('read:items', 'openid')(auth)).not.toThrow()
    expect(() => requireScopes('write:items')(auth)).toThrow(
      expect.objectContaining({ code: 'insufficient_scope' }),
    )
  })

  it('a custom server needs its audience; the org server has issuer https://{domain}', async () => {
    expect(
      profiles.okta({ domain: 'acme.okta.com', authorizationServerId: 'aus9x', audience: 'api' }).issuer,
    ).toBe('https://acme.okta.com/oauth2/aus9x')
    const org = verifier({
      domain: 'acme.okta.com',
      orgAuthorizationServer: true,
      audience: 'https://acme.okta.com',
    })
    const orgToken = { iss: 'https://acme.okta.com', aud: 'https://acme.okta.com' }
    await expect(org.verify(await oktaAccess(orgToken))).resolves.toBeDefined()
    await expectAuthError(org.verify(await oktaAccess()), 'claim_invalid')
    expect(() => profiles.okta({ domain: 'acme.okta.com', authorizationServerId: 'aus9x' })).toThrow(
      /okta.audience/,
    )
    expect(() => profiles.okta({ domain: 'acme.okta.com', orgAuthorizationServer: true })).toThrow(
      /okta.audience/,
    )
    expect(() =>
      profiles.okta({
        domain: 'acme.okta.com',
        orgAuthorizationServer: true,
        authorizationServerId: 'x',
        audience: 'a',
      }),
    ).toThrow(/okta.authorizationServerId/)
    expect(() => profiles.okta({ domain: 'acme.okta.com/evil' })).toThrow(ConfigError)
    expect(() => profiles.okta({ domain: 'acme.okta.com', clientId: [] })).toThrow(/okta.clientId/)
    expect(() => profiles.okta({ domain: 'acme.okta.com', authorizationServerId: 'a/b' })).toThrow(
      /okta.authorizationServerId/,
    )
  })
})
