import diagnostics from 'node:diagnostics_channel'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type IntrospectionIssuerSelector, type VerifierOptions } from '@tokenguard/core'
import { expectAuthError } from '../support/expect-error.js'
import {
  activeClaims,
  json,
  optionsFor,
  startIntrospectionServer,
  type Answer,
  type IntrospectionServer,
} from './introspection-server.js'

/**
 * No token text in any error, reason, cause or diagnostics message, whatever went wrong: a log line must
 * never be a credential, even when the endpoint echoes the token back.
 */

const PLAIN_CHANNELS = [
  'tokenguard:jwks:fetch',
  'tokenguard:discovery:fetch',
  'tokenguard:jwks:refresh-ahead',
  'tokenguard:jwks:stale',
  'tokenguard:jwks:cooldown',
  'tokenguard:cache:evict',
  'tokenguard:introspection',
]

const published: unknown[] = []
const record = (message: unknown) => void published.push(message)
const tracing = diagnostics.tracingChannel('tokenguard:verify')
const traceHandlers = { start: record, end: record, asyncStart: record, asyncEnd: record, error: record }

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
  for (const name of PLAIN_CHANNELS) diagnostics.subscribe(name, record)
  tracing.subscribe(traceHandlers)
})
afterAll(async () => {
  for (const name of PLAIN_CHANNELS) diagnostics.unsubscribe(name, record)
  tracing.unsubscribe(traceHandlers)
  await server.close()
})
afterEach(() => {
  published.length = 0
  server.answer = json(activeClaims())
  server.metadata = { issuer: server.issuer, introspection_endpoint: server.endpoint }
})

/** Every string reachable from `value`: own properties, messages, stacks and causes, to a depth. */
function texts(value: unknown, depth = 0, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value]
  if (typeof value !== 'object' || value === null || depth > 6 || seen.has(value)) return []
  seen.add(value)
  const found: string[] = []
  if (value instanceof Error) found.push(String(value), value.message, value.stack ?? '')
  for (const key of Reflect.ownKeys(value)) {
    const inner = (value as Record<string | symbol, unknown>)[key]
    found.push(...texts(inner, depth + 1, seen))
  }
  if (value instanceof Error && !Object.hasOwn(value, 'cause'))
    found.push(...texts(value.cause, depth + 1, seen))
  return found
}

/**
 * A token long and random enough that any 8-character slice of it in a text is a leak (V8 quotes 10
 * characters of a string JSON.parse refuses).
 */
function secretToken(): string {
  return `opaque${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
}

function expectNoTrace(token: string, ...values: unknown[]): void {
  const slices = Array.from({ length: token.length - 7 }, (_, i) => token.slice(i, i + 8))
  for (const text of values.flatMap((value) => texts(value))) {
    for (const slice of slices) expect(text).not.toContain(slice)
  }
}

const echo =
  (status: number, type: string, body: (token: string) => string): Answer =>
  (request, res) =>
    void res.writeHead(status, { 'content-type': type }).end(body(request.form.get('token') ?? ''))

describe('no token text in failures', () => {
  it.each<[string, Answer, Record<string, unknown>, string]>([
    ['inactive', json({ active: false }), {}, 'token_inactive'],
    [
      'an answer that echoes the token as text',
      echo(200, 'text/plain', (t) => t),
      {},
      'introspection_unavailable',
    ],
    [
      'broken JSON around the token',
      echo(200, 'application/json', (t) => `{"error":"invalid_token","token":${t}}`),
      {},
      'introspection_unavailable',
    ],
    [
      'an HTML error page quoting the token',
      echo(200, 'text/html', (t) => `<p>bad token ${t}</p>`),
      {},
      'introspection_unavailable',
    ],
    [
      'a 400 quoting the token',
      echo(400, 'application/json', (t) => JSON.stringify({ error: t })),
      {},
      'introspection_unavailable',
    ],
    [
      'an oversized answer quoting the token',
      echo(200, 'application/json', (t) => JSON.stringify({ active: true, t, pad: 'x'.repeat(1000) })),
      { maxResponseBytes: 100 },
      'introspection_unavailable',
    ],
    [
      'an active answer with a bad aud',
      json(activeClaims({ aud: 'https://other.example' })),
      {},
      'claim_invalid',
    ],
    ['a hung endpoint', () => undefined, { timeout: 30 }, 'introspection_unavailable'],
    [
      'a signed answer that is the token',
      echo(200, 'application/token-introspection+jwt', (t) => t),
      { signedResponse: true },
      'introspection_unavailable',
    ],
  ])('%s', async (_, answer, introspection, code) => {
    server.answer = answer
    const token = secretToken()
    const verifier = createVerifier(await optionsFor(server, introspection))
    const error = await expectAuthError(verifier.verify(token), code as never)
    expect(server.requests.at(-1)?.form.get('token')).toBe(token)
    expectNoTrace(token, error, error.reason, error.cause, published)
    expect(published.length).toBeGreaterThan(0)
  })

  it('a failed discovery', async () => {
    server.metadata = undefined
    const token = secretToken()
    const verifier = createVerifier(await optionsFor(server, { endpoint: undefined }))
    const error = await expectAuthError(verifier.verify(token), 'introspection_unavailable')
    expectNoTrace(token, error, published)
  })

  it('the maxInFlight bound', async () => {
    server.answer = () => undefined
    const verifier = createVerifier(await optionsFor(server, { maxInFlight: 1, timeout: 200 }))
    const held = verifier.verify(secretToken()).catch(() => undefined)
    while (server.requests.length === 0) await new Promise((resolve) => setImmediate(resolve))
    const token = secretToken()
    const error = await expectAuthError(verifier.verify(token), 'introspection_unavailable')
    expectNoTrace(token, error, published)
    await held
  })

  it('a selector that chooses no issuer, or an unknown one', async () => {
    const second = await startIntrospectionServer()
    try {
      const options = async (select: IntrospectionIssuerSelector): Promise<VerifierOptions> => {
        const first = await optionsFor(server)
        const [entry] = first.issuer as unknown as [Record<string, unknown>]
        const other = { ...entry, issuer: second.issuer, introspection: { clientId: 'a', clientSecret: 'b' } }
        return { ...first, issuer: [entry, other] as never, selectIntrospectionIssuer: select }
      }
      const token = secretToken()
      const malformed = await expectAuthError(
        createVerifier(await options(() => undefined)).verify(token),
        'token_malformed',
      )
      const bug = await createVerifier(await options(() => 'https://unknown.example/'))
        .verify(token)
        .catch((e: unknown) => e)
      expectNoTrace(token, malformed, bug, published)
    } finally {
      await second.close()
    }
  })
})
