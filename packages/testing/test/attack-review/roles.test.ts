import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import * as core from '@tokenguard/core'
import * as fastifyAdapter from '@tokenguard/fastify'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import { sendRaw } from '../support/raw-http.js'
import { fastifyVersions, listen as listenFastify } from '../../../fastify/test/support/app.js'

/**
 * Attack review, target 4: role claims that must never grant `admin`, through Fastify's route
 * `config.auth.roles` (real servers) and the core guard with presets.
 */

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

/** Claims an attacker-influenced profile might carry; none of them grants the role `admin`. */
const NOT_ADMIN: Array<[string, string]> = [
  ['__proto__ holding roles', '{"__proto__":{"roles":["admin"]}}'],
  ['__proto__ inside realm_access', '{"realm_access":{"__proto__":{"roles":["admin"]}}}'],
  [
    'constructor holding roles',
    '{"constructor":{"roles":["admin"]},"realm_access":{"constructor":["admin"]}}',
  ],
  ['an array-like object', '{"roles":{"0":"admin","length":1}}'],
  ['a nested array', '{"roles":[["admin"]],"groups":[["admin"]]}'],
  ['admin inside a longer role string', '{"roles":"Billing admin","groups":"admin "}'],
  ['a dotted top-level name', '{"realm_access.roles":["admin"]}'],
  ['admin as a scope only', '{"scope":"admin","scp":["admin"],"permissions":["admin"]}'],
  ['case and look-alikes', '{"roles":["Admin","ADMIN","аdmin","admin\\u0000"]}'],
  ['non-string members', '{"roles":[true,1,null,{"admin":true}]}'],
  ['resource_access of another client', '{"resource_access":{"other":{"roles":["admin"]}}}'],
]

describe.each(Object.entries(fastifyVersions))('%s config.auth.roles', (_name, fastify) => {
  let url: string
  let close: () => Promise<void>
  beforeAll(async () => {
    const app = fastify()
    await app.register(fastifyAdapter.jwtAuth, { issuer: issuer.url, audience: issuer.audience })
    app.get('/admin', { config: { auth: { roles: ['admin'] } } }, async () => 'secret')
    const running = await listenFastify(app)
    url = running.url
    close = running.close
  })
  afterAll(() => close())

  const get = async (claims: string) => {
    const token = await issuer.sign(JSON.parse(claims) as Record<string, unknown>)
    return sendRaw(url, { path: '/admin', headers: [['authorization', `Bearer ${token}`]] })
  }

  it('control: roles ["admin"] → 200', async () => {
    expect((await get('{"roles":["admin"]}')).status).toBe(200)
  })

  it.each(NOT_ADMIN)('%s → 403', async (_case, claims) => {
    expect((await get(claims)).status).toBe(403)
  })
})

describe('core requireRoles with rolePresets.keycloakClient', () => {
  const guard = core.requireRoles('admin', { claims: core.rolePresets.keycloakClient('api') })
  const check = (payload: unknown) => () => guard({ payload, header: { alg: 'RS256' }, token: 'x' } as never)

  it('control: resource_access.api.roles → granted', () => {
    expect(check({ resource_access: { api: { roles: ['admin'] } } })).not.toThrow()
  })

  it.each([
    ...NOT_ADMIN,
    [
      'top-level roles and the preset path as a top-level name',
      '{"roles":["admin"],"api":["admin"],"resource_access.api.roles":["admin"]}',
    ],
    ['realm roles', '{"realm_access":{"roles":["admin"]}}'],
  ])('%s → insufficient_scope', (_case, claims) => {
    expect(check(JSON.parse(claims))).toThrow(expect.objectContaining({ code: 'insufficient_scope' }))
  })
})

/**
 * LOW (target 4): `requireRoles('admin', { claims: undefined })` — what `claims: process.env.ROLE_CLAIM` or
 * `claims: config.roleClaim` gives when the setting is missing — silently reads the four default claims
 * (`roles`, `groups`, `cognito:groups`, `realm_access.roles`), although the option was spelt out. A misspelt
 * option name is a ConfigError for exactly this reason ("would otherwise fall back to the default claims
 * without a word"), but a present-and-undefined `claims` still falls back. So a route meant to read
 * `https://example.com/roles` grants `admin` to a token whose `groups` (e.g. an IdP group a user may create or
 * join) holds "admin". Expected: ConfigError for an explicit `claims: undefined` (as Fastify's
 * `config.auth.roles: undefined` already is).
 */
it('requireRoles with an explicit claims: undefined is refused at start-up', () => {
  const roleClaim = process.env.TOKENGUARD_ATTACK_REVIEW_UNSET_ROLE_CLAIM // unset
  expect(() => core.requireRoles('admin', { claims: roleClaim })).toThrow(core.ConfigError)
})
