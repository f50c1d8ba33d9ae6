import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { decodeProtectedHeader } from 'jose'
import {
  PROVIDER_ALGORITHMS,
  startOidcProvider,
  type OidcProviderServer,
  type ProviderAlgorithm,
} from '../../../core/test/interop/oidc-provider-server.js'
import { FRAMEWORK_APPS, type RunningApp } from '../support/framework-apps.js'
import { sendRaw } from '../support/raw-http.js'
import { DPOP_ALGS } from '../../../core/test/support/challenge.js'
import { parseStrictChallenges } from '../security-http/response-checks.js'

/**
 * node-oidc-provider (OpenID Certified), started on 127.0.0.1, issues client-credentials RFC 9068 access
 * tokens; each framework's app is configured with nothing but `issuer` and `audience` (discovery finds the
 * JWK Set) and guards `GET /scoped` with `requireScopes('write')`.
 */

interface Tokens {
  readWrite: string
  readOnly: string
}

let op: OidcProviderServer
const tokens = new Map<ProviderAlgorithm, Tokens>()

beforeAll(async () => {
  // Express logs each error it renders (the 403s here), and the provider prints a development notice.
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  jest.spyOn(console, 'info').mockImplementation(() => undefined)
  op = await startOidcProvider()
  for (const alg of PROVIDER_ALGORITHMS)
    tokens.set(alg, { readWrite: await op.token(alg, 'read write'), readOnly: await op.token(alg, 'read') })
})
afterAll(async () => {
  await op.close()
  jest.restoreAllMocks()
})

const get = (app: RunningApp, path: string, token: string) =>
  sendRaw(app.url, { path, headers: [['authorization', `Bearer ${token}`]] })

describe.each(Object.entries(FRAMEWORK_APPS))('%s', (_framework, createApp) => {
  const apps = new Map<ProviderAlgorithm, RunningApp>()
  beforeAll(async () => {
    for (const alg of PROVIDER_ALGORITHMS)
      apps.set(alg, await createApp({ issuer: op.issuer, audience: op.resource(alg) }, { scope: 'write' }))
  })
  afterAll(() => Promise.all([...apps.values()].map((app) => app.close())))

  it.each(PROVIDER_ALGORITHMS)('%s at+jwt: 200 with its claims, scope guard 200 / 403', async (alg) => {
    const app = apps.get(alg) as RunningApp
    const { readWrite, readOnly } = tokens.get(alg) as Tokens
    expect(decodeProtectedHeader(readWrite)).toMatchObject({ alg, typ: 'at+jwt' })

    const protectedRes = await get(app, '/protected', readWrite)
    expect(protectedRes.status).toBe(200)
    const { auth } = JSON.parse(protectedRes.body) as { auth: Record<string, unknown> }
    expect(auth).toMatchObject({ iss: op.issuer, aud: op.resource(alg), client_id: 'interop-client' })
    expect(auth.scope).toBe('read write')

    expect((await get(app, '/scoped', readWrite)).status).toBe(200)
    const denied = await get(app, '/scoped', readOnly)
    expect(denied.status).toBe(403)
    const challenges = parseStrictChallenges(denied.headers['www-authenticate'] as string)
    expect(challenges.Bearer).toMatchObject({ error: 'insufficient_scope', scope: 'write' })
    expect(challenges.DPoP).toEqual({ algs: DPOP_ALGS })
  })

  it('a token for another resource of the provider → 401 invalid_token', async () => {
    const res = await get(apps.get('RS256') as RunningApp, '/protected', tokens.get('ES256')!.readWrite)
    expect(res.status).toBe(401)
    const challenges = parseStrictChallenges(res.headers['www-authenticate'] as string)
    expect(challenges.Bearer).toMatchObject({ error: 'invalid_token' })
    expect(challenges.DPoP).toEqual({ algs: DPOP_ALGS })
  })

  it('a provider token with its scope edited → 401 invalid_token', async () => {
    const [h, p, s] = tokens.get('PS256')!.readOnly.split('.') as [string, string, string]
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, scope: 'read write' })).toString('base64url')}.${s}`
    const res = await get(apps.get('PS256') as RunningApp, '/scoped', forged)
    expect(res.status).toBe(401)
    expect(res.body).not.toContain(forged)
  })
})
