import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { startJwksServer, type JwksServer } from '../../../core/test/support/jwks-server.js'
import { AUDIENCE, claims, makeKey, sign, type TestKey } from '../../../core/test/support/keys.js'
import { FRAMEWORK_APPS, type RunningApp } from '../support/framework-apps.js'

/**
 * Multi-tenant issuers through every adapter family: an Entra-style template (shared keys, `tid` checked,
 * tenant allowlist) and a `resolveIssuer` tenant table, over real HTTP with the framework's own error
 * handler. The verifier's clock is the real one here, so tokens are minted for now.
 */

const ENTRA = 'https://login.microsoftonline.com/{tenantid}/v2.0'
const ALLOWED = '11111111-1111-4111-8111-111111111111'
const OTHER = '22222222-2222-4222-8222-222222222222'
const entraIss = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`
const SAAS_A = 'https://tenant-a.saas.example/'

let entraKey: TestKey
let saasKey: TestKey
let keys: JwksServer
let saasKeys: JwksServer
beforeAll(async () => {
  ;[entraKey, saasKey] = await Promise.all([makeKey('RS256'), makeKey('ES256')])
  ;[keys, saasKeys] = await Promise.all([
    startJwksServer([entraKey.publicJwk]),
    startJwksServer([saasKey.publicJwk]),
  ])
})
afterAll(() => Promise.all([keys.close(), saasKeys.close()]))

const fresh = (overrides: Record<string, unknown>) => {
  const iat = Math.floor(Date.now() / 1000)
  return claims({ iat, exp: iat + 300, ...overrides })
}

async function get(app: RunningApp, token: string) {
  const response = await fetch(`${app.url}/protected`, { headers: { authorization: `Bearer ${token}` } })
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: await response.text(),
  }
}

describe.each(['Express 5', 'Koa 3', 'Fastify 5'])('%s', (name) => {
  let app: RunningApp
  const resolved: string[] = []
  beforeAll(async () => {
    app = await (FRAMEWORK_APPS[name] as (typeof FRAMEWORK_APPS)[string])({
      issuer: [{ issuer: ENTRA, jwksUri: keys.jwksUri, tenants: [ALLOWED] }],
      audience: AUDIENCE,
      resolveIssuer: (iss: string) => {
        resolved.push(iss)
        if (iss === SAAS_A) return { jwksUri: saasKeys.jwksUri }
        if (iss === 'https://down.saas.example/') throw new Error('tenant table down')
        return undefined
      },
    })
  })
  afterAll(() => app.close())

  it('accepts an allowed Entra tenant whose tid matches', async () => {
    const response = await get(app, await sign(entraKey, fresh({ iss: entraIss(ALLOWED), tid: ALLOWED })))
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body).auth.tid).toBe(ALLOWED)
  })

  it('refuses a tenant that is not allowed, and a tid mismatch, with 401 invalid_token', async () => {
    for (const payload of [
      { iss: entraIss(OTHER), tid: OTHER },
      { iss: entraIss(ALLOWED), tid: OTHER },
    ]) {
      const response = await get(app, await sign(entraKey, fresh(payload)))
      expect(response.status).toBe(401)
      expect(response.challenge).toContain('error="invalid_token"')
    }
    // Neither reached the resolver: a template match decides alone.
    expect(resolved.filter((iss) => iss.includes('microsoftonline'))).toEqual([])
  })

  it('accepts a resolved tenant, and answers 503 when the resolver fails', async () => {
    expect((await get(app, await sign(saasKey, fresh({ iss: SAAS_A })))).status).toBe(200)
    const down = await get(app, await sign(saasKey, fresh({ iss: 'https://down.saas.example/' })))
    expect(down.status).toBe(503)
    expect(down.body).not.toContain('tenant table down')
  })
})
