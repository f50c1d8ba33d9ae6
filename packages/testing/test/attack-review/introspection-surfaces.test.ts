import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createMcpTokenVerifier } from '@tokenguard/mcp'
import { InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { PassThrough, Readable } from 'node:stream'
import { main } from '../../../cli/src/main.js'
import {
  activeClaims,
  opaqueToken,
  optionsFor,
  startIntrospectionServer,
  type IntrospectionServer,
} from '../../../core/test/introspection/introspection-server.js'
import { call, INTROSPECTION_APPS } from '../introspection/introspection-apps.js'

/**
 * Attack review of introspection (RFC 7662) on the other surfaces an opaque token reaches: the diagnostics
 * channels, the MCP token verifier, the Nest module on both platforms, and the CLI. None may pass a bound or
 * inactive token, turn an outage into a 401, or carry the token's text.
 */

let server: IntrospectionServer
/** The answer per token; tokens not listed are inactive. */
const answers = new Map<string, Record<string, unknown> | 'fail'>()
beforeAll(async () => {
  server = await startIntrospectionServer()
  server.answer = (request, res) => {
    const answer = answers.get(request.form.get('token') ?? '') ?? { active: false }
    if (answer === 'fail') return void res.writeHead(502).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
  }
})
afterAll(() => server.close())

function tokens() {
  const active = opaqueToken('active')
  const bound = opaqueToken('bound')
  const failing = opaqueToken('failing')
  const inactive = opaqueToken('inactive')
  answers.set(active, activeClaims({ scope: 'read' }))
  answers.set(bound, activeClaims({ cnf: { jkt: 'A'.repeat(43) } }))
  answers.set(failing, 'fail')
  return { active, bound, failing, inactive }
}

describe('diagnostics channels', () => {
  const CHANNELS = [
    'tokenguard:introspection',
    'tokenguard:discovery:fetch',
    'tokenguard:jwks:fetch',
    'tracing:tokenguard:verify:start',
    'tracing:tokenguard:verify:end',
    'tracing:tokenguard:verify:asyncStart',
    'tracing:tokenguard:verify:asyncEnd',
    'tracing:tokenguard:verify:error',
  ]
  const messages: unknown[] = []
  const listener = (message: unknown) => void messages.push(message)
  beforeAll(() => CHANNELS.forEach((name) => subscribe(name, listener)))
  afterAll(() => CHANNELS.forEach((name) => unsubscribe(name, listener)))

  it('carry no token text for an active, bound, inactive or failing opaque token (discovered endpoint)', async () => {
    const options = await optionsFor(server, { endpoint: undefined })
    const verifier = createVerifier(options)
    const all = tokens()
    for (const token of Object.values(all)) await verifier.verify(token).catch(() => undefined)
    expect(messages.length).toBeGreaterThan(4)
    const text = JSON.stringify(messages, (_key, value: unknown) =>
      value instanceof Error ? { message: value.message, cause: String(value.cause) } : value,
    )
    for (const token of Object.values(all)) expect(text).not.toContain(token)
  })
})

describe('the MCP token verifier', () => {
  it('passes an active opaque token; refuses bound and inactive ones (401); an outage is a ServerError', async () => {
    const options = await optionsFor(server)
    const verifier = createMcpTokenVerifier({
      ...options,
      audience: undefined,
      resource: String(options.audience),
    })
    const { active, bound, failing, inactive } = tokens()
    const info = await verifier.verifyAccessToken(active)
    expect(info.scopes).toEqual(['read'])
    expect(info.token).toBe(active)
    for (const [token, type] of [
      [bound, InvalidTokenError],
      [inactive, InvalidTokenError],
      [failing, ServerError],
    ] as const) {
      const error = await verifier.verifyAccessToken(token).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(error).toBeInstanceOf(type)
      expect(error?.message).not.toContain(token)
    }
  })
})

describe.each(['Nest (Express platform)', 'Nest (Fastify platform)'])('%s', (name) => {
  let logged: string[] = []
  let app: Awaited<ReturnType<(typeof INTROSPECTION_APPS)[string]>>
  beforeAll(async () => {
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      logged.push(
        args
          .map((arg) => (arg instanceof Error ? `${arg.stack} ${String(arg.cause)}` : String(arg)))
          .join(' '),
      )
    })
    app = await (INTROSPECTION_APPS[name] as (typeof INTROSPECTION_APPS)[string])(
      (await optionsFor(server)) as unknown as Record<string, unknown>,
    )
  })
  afterAll(async () => {
    await app.close()
    jest.restoreAllMocks()
  })
  afterEach(() => {
    logged = []
  })

  it('bound → 401, inactive → 401, outage → 503, __proto__ scopes → 403; no token text in responses or logs', async () => {
    const { active, bound, failing, inactive } = tokens()
    const proto = opaqueToken('proto')
    const rest = JSON.stringify(activeClaims({ scope: 'read' })).slice(1, -1)
    answers.set(proto, JSON.parse(`{"__proto__":{"scope":"admin"},${rest}}`) as Record<string, unknown>)
    expect((await call(app, '/protected', active)).status).toBe(200)
    const outcomes = [
      [await call(app, '/protected', bound), 401, bound],
      [await call(app, '/protected', inactive), 401, inactive],
      [await call(app, '/protected', failing), 503, failing],
      [await call(app, '/admin', proto), 403, proto],
    ] as const
    for (const [res, status, token] of outcomes) {
      expect(res.status).toBe(status)
      expect(res.text).not.toContain(token)
    }
    const text = logged.join('\n')
    for (const token of [bound, inactive, failing, proto]) expect(text).not.toContain(token)
  })
})

describe('the CLI', () => {
  async function run(args: string[], input: string) {
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    let out = ''
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const code = await main(args, { stdin: Readable.from([input]), stdout, stderr })
    return { code, out }
  }

  it('inspect and verify refuse an opaque token without printing it or sending it anywhere', async () => {
    const token = opaqueToken('cli')
    answers.set(token, activeClaims())
    const before = server.requests.length
    const inspected = await run(['inspect'], `${token}\n`)
    const verified = await run(['verify', '--issuer', server.issuer, '--audience', 'x'], `${token}\n`)
    expect(inspected.code).not.toBe(0)
    expect(verified.code).not.toBe(0)
    expect(inspected.out + verified.out).not.toContain(token)
    expect(server.requests.length).toBe(before)
  })
})
