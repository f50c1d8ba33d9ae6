import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { createDpopClient, type DpopClient } from '../../src/index.js'
import { parseChallenges } from '../conformance/table.js'
import { call, INTROSPECTION_APPS, type IntrospectionApp } from '../introspection/introspection-apps.js'
import { RESOURCE, startIntrospectingProvider, type IntrospectingProvider } from './introspecting-provider.js'

/**
 * node-oidc-provider issues opaque access tokens (`accessTokenFormat: 'opaque'`) and answers their
 * introspection (RFC 7662); each framework's app (Nest's two platforms included) is configured with
 * `issuer`, `audience` and an `introspection` client of the provider — client_secret_basic,
 * client_secret_post or private_key_jwt, or a signed answer (RFC 9701, verified with the provider's
 * discovered keys) — and finds the endpoint by discovery. The cache is off, so a
 * revocation at the provider (RFC 7009) takes effect on the next request; once the provider is stopped,
 * every app answers 503.
 */

/** The API's introspection set-ups: each client authentication method, and a signed answer (RFC 9701). */
const SETUPS = {
  client_secret_basic: () => op.introspection('client_secret_basic'),
  client_secret_post: () => op.introspection('client_secret_post'),
  private_key_jwt: () => op.introspection('private_key_jwt'),
  'signed answer (RFC 9701)': () => ({ ...op.introspection('client_secret_post'), signedResponse: true }),
}
type Setup = keyof typeof SETUPS
const SETUP_NAMES = Object.keys(SETUPS) as Setup[]

let op: IntrospectingProvider
let readWrite: string
let dpopClient: DpopClient
let thief: DpopClient
let bound: { token: string; tokenType: string }
/** The client_secret_basic app of each framework, for the outage at the end. */
const basicApps = new Map<string, IntrospectionApp>()
const allApps: IntrospectionApp[] = []

beforeAll(async () => {
  // The provider prints development notices (runtime, in-memory adapter, policies); frameworks log errors.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined)
  jest.spyOn(console, 'info').mockImplementation(() => undefined)
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  op = await startIntrospectingProvider()
  ;({ token: readWrite } = await op.token('read write'))
  ;[dpopClient, thief] = await Promise.all([createDpopClient(), createDpopClient()])
  bound = await op.token('read write', await dpopClient.proof({ method: 'POST', url: op.tokenEndpoint }))
})
afterAll(async () => {
  await Promise.all(allApps.map((app) => app.close()))
  await op.close()
  jest.restoreAllMocks()
})

it('the provider issues opaque tokens: not JWTs; a DPoP proof makes a DPoP token', () => {
  expect(readWrite).toMatch(/^[A-Za-z0-9_-]{20,}$/)
  expect(bound.token).toMatch(/^[A-Za-z0-9_-]{20,}$/)
  expect(bound.tokenType).toBe('DPoP')
})

const challenge = (res: { headers: Headers }) => parseChallenges(res.headers.get('www-authenticate') ?? '')

describe.each(Object.entries(INTROSPECTION_APPS))('%s', (name, createApp) => {
  const apps = new Map<Setup, IntrospectionApp>()
  beforeAll(async () => {
    for (const setup of SETUP_NAMES) {
      const app = await createApp({ issuer: op.issuer, audience: RESOURCE, introspection: SETUPS[setup]() })
      apps.set(setup, app)
      allApps.push(app)
    }
    basicApps.set(name, apps.get('client_secret_basic') as IntrospectionApp)
  })

  it.each(SETUP_NAMES)(
    '%s: an opaque token → 200, the introspection answer as payload, header {}',
    async (setup) => {
      const app = apps.get(setup) as IntrospectionApp
      const res = await call(app, '/protected', readWrite)
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({
        auth: expect.objectContaining({
          active: true,
          iss: op.issuer,
          aud: RESOURCE,
          client_id: 'opaque-token-client',
          scope: 'read write',
          token_type: 'Bearer',
        }),
        header: {},
        binding: null,
      })
      expect((await call(app, '/scoped', readWrite)).status).toBe(200)
      const denied = await call(app, '/admin', readWrite)
      expect(denied.status).toBe(403)
      expect(challenge(denied).Bearer).toMatchObject({ error: 'insufficient_scope', scope: 'admin' })
    },
  )

  it('revoked at the provider → the next request is 401 invalid_token (cache off)', async () => {
    const app = apps.get('client_secret_post') as IntrospectionApp
    const { token } = await op.token('read')
    expect((await call(app, '/protected', token)).status).toBe(200)
    await op.revoke(token)
    const res = await call(app, '/protected', token)
    expect(res.status).toBe(401)
    expect(challenge(res).Bearer?.error).toBe('invalid_token')
    expect(res.text).not.toContain(token)
  })

  it('a random opaque string → 401 invalid_token', async () => {
    const res = await call(
      apps.get('private_key_jwt') as IntrospectionApp,
      '/protected',
      randomBytes(32).toString('base64url'),
    )
    expect(res.status).toBe(401)
    expect(challenge(res).Bearer?.error).toBe('invalid_token')
  })

  it('a DPoP-bound opaque token: with a proof of its key → 200; another key or as Bearer → 401', async () => {
    const app = apps.get('client_secret_basic') as IntrospectionApp
    const url = `${app.url}/protected`
    const proof = await dpopClient.proof({ method: 'GET', url, accessToken: bound.token })
    const res = await call(app, '/protected', bound.token, { dpop: proof }, 'DPoP')
    expect(res.status).toBe(200)
    expect(res.json()).toMatchObject({
      auth: { token_type: 'DPoP', cnf: { jkt: dpopClient.thumbprint } },
      header: {},
      binding: { method: 'dpop', thumbprint: dpopClient.thumbprint },
    })
    const stolen = await thief.proof({ method: 'GET', url, accessToken: bound.token })
    const other = await call(app, '/protected', bound.token, { dpop: stolen }, 'DPoP')
    expect(other.status).toBe(401)
    expect(challenge(other).DPoP?.error).toBe('invalid_token')
    const bearer = await call(app, '/protected', bound.token)
    expect(bearer.status).toBe(401)
    expect(challenge(bearer).Bearer?.error).toBe('invalid_token')
  })
})

describe('the provider stopped', () => {
  beforeAll(() => op.close())

  it.each(Object.keys(INTROSPECTION_APPS))('%s → 503 with Retry-After and no challenge', async (name) => {
    const res = await call(basicApps.get(name) as IntrospectionApp, '/protected', readWrite)
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(res.text).not.toContain(readWrite)
  })
})
