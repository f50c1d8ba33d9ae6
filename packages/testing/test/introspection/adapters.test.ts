import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { RequestFacts } from '@tokenguard/core'
import { randomBytes } from 'node:crypto'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import { parseChallenges } from '../conformance/table.js'
import { call, INTROSPECTION_APPS, type IntrospectionApp } from './introspection-apps.js'

/**
 * Introspection (RFC 7662) through every adapter, against test issuers' introspection endpoints:
 * `selectIntrospectionIssuer` sees the request (it picks the authorization server by a header), a token
 * reaches only the chosen one; `tokens: 'all'` sends JWTs there too; the scope guards read the introspected
 * `scope`; an endpoint that is down is a 503 with `Retry-After` and no challenge; and no token text reaches
 * the framework's responses or logs.
 */

const CLIENT = { clientId: 'orders-api', clientSecret: `secret-${randomBytes(24).toString('base64url')}` }
const INTROSPECT = '/introspect'
const CHOOSER = 'x-authorization-server'

/** Everything the frameworks log (console.error; Fastify's pino lines), per test. */
let logged: string[] = []
const log = (line: string) => void logged.push(line)

beforeAll(() => {
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(
      args.map((arg) => (arg instanceof Error ? `${arg.stack} ${String(arg.cause)}` : String(arg))).join(' '),
    )
  })
})
afterAll(() => {
  jest.restoreAllMocks()
})

const introspections = (issuer: TestIssuer) => issuer.hits.get(INTROSPECT) ?? 0

/** A request header as the selector sees it (`HeadersLike`: Node's header object, or a `get()`-able one). */
function headerOf(facts: RequestFacts | undefined, name: string): unknown {
  const headers = facts?.headers
  if (headers === undefined) return undefined
  return typeof headers.get === 'function'
    ? headers.get(name)
    : (headers as Readonly<Record<string, unknown>>)[name]
}

describe.each(Object.entries(INTROSPECTION_APPS))('%s', (name, createApp) => {
  let a: TestIssuer
  let b: TestIssuer
  let down: TestIssuer
  let chosen: IntrospectionApp
  let all: IntrospectionApp
  let unavailable: IntrospectionApp
  const seen: Array<RequestFacts | undefined> = []

  beforeAll(async () => {
    ;[a, b, down] = await Promise.all([
      createTestIssuer({ introspection: CLIENT }),
      createTestIssuer({ introspection: CLIENT }),
      createTestIssuer({ introspection: CLIENT }),
    ])
    const servers = { a: a.url, b: b.url }
    chosen = await createApp(
      {
        issuer: [
          { issuer: a.url, introspection: CLIENT },
          { issuer: b.url, introspection: { ...CLIENT, authMethod: 'client_secret_post' } },
        ],
        audience: a.audience,
        selectIntrospectionIssuer: (_token: string, facts: RequestFacts | undefined) => {
          seen.push(facts)
          const header = headerOf(facts, CHOOSER)
          return typeof header === 'string' ? servers[header as keyof typeof servers] : undefined
        },
      },
      log,
    )
    all = await createApp(
      { issuer: a.url, audience: a.audience, introspection: { ...CLIENT, tokens: 'all' } },
      log,
    )
    const endpoint = down.introspectionEndpoint as string
    await down.close()
    unavailable = await createApp(
      { issuer: down.url, audience: down.audience, introspection: { ...CLIENT, endpoint } },
      log,
    )
  })
  afterAll(() => Promise.all([chosen, all, unavailable, a, b].map((closable) => closable?.close())))

  it('selectIntrospectionIssuer gets the request; the token goes to the chosen server only', async () => {
    const token = a.issueOpaqueToken({ scope: 'read write' })
    const res = await call(chosen, '/protected', token, { [CHOOSER]: 'a' })
    expect(res.status).toBe(200)
    expect(res.json()).toMatchObject({ auth: { active: true, iss: a.url, scope: 'read write' }, header: {} })
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/protected' })
    expect(introspections(a)).toBe(1)
    expect(introspections(b)).toBe(0)

    // Sent to B (client_secret_post there), which never issued it: inactive, and A is not asked.
    const other = await call(chosen, '/protected', token, { [CHOOSER]: 'b' })
    expect(other.status).toBe(401)
    expect(parseChallenges(other.headers.get('www-authenticate') ?? '').Bearer?.error).toBe('invalid_token')
    expect([introspections(a), introspections(b)]).toEqual([1, 1])
  })

  it('no server chosen → 401 invalid_token, and no authorization server hears of the token', async () => {
    const token = b.issueOpaqueToken()
    const res = await call(chosen, '/protected', token)
    expect(res.status).toBe(401)
    expect(parseChallenges(res.headers.get('www-authenticate') ?? '').Bearer?.error).toBe('invalid_token')
    expect(headerOf(seen.at(-1), CHOOSER)).toBeUndefined()
    expect([introspections(a), introspections(b)]).toEqual([1, 1])
  })

  it('B chosen for its own token → 200 with B as iss', async () => {
    const res = await call(chosen, '/protected', b.issueOpaqueToken(), { [CHOOSER]: 'b' })
    expect(res.status).toBe(200)
    expect(res.json()).toMatchObject({ auth: { iss: b.url }, header: {} })
    expect([introspections(a), introspections(b)]).toEqual([1, 2])
  })

  it("tokens: 'all' → a JWT is introspected too: its revocation takes effect on the next request", async () => {
    const jwt = await a.sign({ scope: 'read write' })
    const before = introspections(a)
    // Without it (the default, 'opaque'), the JWT is verified locally: its JOSE header, no introspection.
    const local = await call(chosen, '/protected', jwt)
    expect(local.status).toBe(200)
    expect(local.json()).toMatchObject({ header: { alg: 'RS256', kid: a.kid } })
    expect(introspections(a)).toBe(before)

    const res = await call(all, '/protected', jwt)
    expect(res.status).toBe(200)
    // The payload is the server's answer, not the JWT's claims alone; the JOSE header is not used.
    expect(res.json()).toMatchObject({ auth: { active: true, token_type: 'Bearer' }, header: {} })
    expect(introspections(a)).toBe(before + 1)

    a.revokeToken(jwt)
    const revoked = await call(all, '/protected', jwt)
    expect(revoked.status).toBe(401)
    expect(parseChallenges(revoked.headers.get('www-authenticate') ?? '').Bearer?.error).toBe('invalid_token')
    expect(introspections(a)).toBe(before + 2)
  })

  it('the scope guards read the introspected scope: requireScopes, requireAnyScope; 403 names the scope', async () => {
    const readWrite = a.issueOpaqueToken({ scope: 'read write' })
    const readOnly = a.issueOpaqueToken({ scope: 'read' })
    expect((await call(all, '/scoped', readWrite)).status).toBe(200)
    expect((await call(all, '/any-scope', readWrite)).status).toBe(200)
    for (const [path, token, scope] of [
      ['/admin', readWrite, 'admin'],
      ['/scoped', readOnly, 'read write'],
      ['/any-scope', readOnly, 'admin write'],
    ] as const) {
      const res = await call(all, path, token)
      expect(res.status).toBe(403)
      expect(parseChallenges(res.headers.get('www-authenticate') ?? '').Bearer).toMatchObject({
        error: 'insufficient_scope',
        scope,
      })
    }
  })

  it('endpoint down → 503 with Retry-After, no challenge, nothing about the endpoint or the token', async () => {
    const token = down.issueOpaqueToken()
    const res = await call(unavailable, '/protected', token)
    expect(res.status).toBe(503)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(res.text).not.toContain(token)
    expect(res.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|fetch failed/i)
    // Each framework's own rendering of a 503: Express's HTML page, Koa's status text, Fastify's and Nest's JSON.
    expect(res.text).toContain('Service Unavailable')
    if (name.startsWith('Fastify')) expect(res.json()).toMatchObject({ code: 'introspection_unavailable' })
  })

  it('no token text in responses or in what the framework logs', async () => {
    logged = []
    const active = a.issueOpaqueToken({ scope: 'read' })
    const revoked = a.issueOpaqueToken({ scope: 'read' })
    a.revokeToken(revoked)
    const random = randomBytes(32).toString('base64url')
    const jwt = await a.sign({ scope: 'read' })
    a.revokeToken(jwt)
    const outcomes = [
      [await call(all, '/protected', active), 200],
      [await call(all, '/admin', active), 403],
      [await call(all, '/protected', revoked), 401],
      [await call(all, '/protected', random), 401],
      [await call(all, '/protected', jwt), 401],
      [await call(unavailable, '/protected', down.issueOpaqueToken()), 503],
    ] as const
    expect(outcomes.map(([res]) => res.status)).toEqual(outcomes.map(([, status]) => status))
    // Express logs every error it renders, Fastify every error reply, Koa the 503: the check is not vacuous.
    // (Nest's default filter logs none of these HttpExceptions.)
    if (!name.startsWith('Nest')) expect(logged.length).toBeGreaterThan(0)
    const output = [...logged, ...outcomes.slice(1).map(([res]) => res.text)].join('\n')
    for (const token of [active, revoked, random, jwt]) expect(output).not.toContain(token)
  })
})
