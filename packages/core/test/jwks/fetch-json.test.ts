import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createVerifier, type JwksOptions } from '@tokenguard/core'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

/**
 * The bounds put on every JWK Set and metadata fetch: timeout over headers and body, size limit, no
 * redirect to another origin, 200 only, JSON only. Every failure to get keys is a 503, never a 401.
 */

let server: JwksServer
let other: JwksServer
let key: TestKey
let token: string
beforeAll(async () => {
  key = await makeKey('ES256')
  ;[server, other] = await Promise.all([startJwksServer([key.publicJwk]), startJwksServer([key.publicJwk])])
  token = await sign(key, claims({ iss: server.issuer, aud: 'api' }))
})
afterAll(() => Promise.all([server.close(), other.close()]))
beforeEach(() => {
  for (const path of ['/jwks', '/keys', '/loop']) server.override(path, undefined)
  server.hits.clear()
  other.hits.clear()
})

function verify(jwks: JwksOptions = {}, jwksUri = server.jwksUri) {
  return createVerifier({
    issuer: server.issuer,
    audience: 'api',
    jwksUri,
    now: () => NOW * 1000,
    jwks,
  }).verify(token)
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void
const respond =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(body)
  }
const redirect =
  (location: string, status = 302): Handler =>
  (_req, res) => {
    res.writeHead(status, { location }).end()
  }

describe('timeout', () => {
  it('answers 503 when the server never answers', async () => {
    server.override('/jwks', () => undefined)
    const error = await expectAuthError(verify({ timeout: 200 }), 'keys_unavailable')
    expect(error.headers).toEqual({ 'Retry-After': expect.any(String) })
  })

  it('covers the body too: a response that starts and never ends is a 503', async () => {
    server.override('/jwks', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"keys":[')
    })
    await expectAuthError(verify({ timeout: 200 }), 'keys_unavailable')
  })
})

describe('size limit', () => {
  it('refuses a body over maxResponseBytes, declared or streamed', async () => {
    server.override('/jwks', respond(200, JSON.stringify({ keys: [key.publicJwk], pad: 'x'.repeat(4096) })))
    await expectAuthError(verify({ maxResponseBytes: 1024 }), 'keys_unavailable')
    server.override('/jwks', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      for (let i = 0; i < 8; i++) res.write(' '.repeat(512))
      res.end(JSON.stringify({ keys: [key.publicJwk] }))
    })
    await expectAuthError(verify({ maxResponseBytes: 1024 }), 'keys_unavailable')
  })

  it('accepts a body within the limit', async () => {
    await expect(verify({ maxResponseBytes: 4096 })).resolves.toBeDefined()
  })
})

describe('redirects', () => {
  it('follows a same-origin redirect', async () => {
    server.override('/keys', respond(200, JSON.stringify({ keys: [key.publicJwk] })))
    server.override('/jwks', redirect('/keys', 301))
    await expect(verify()).resolves.toBeDefined()
    expect(server.hits.get('/keys')).toBe(1)
  })

  it('refuses a redirect to another origin without requesting it', async () => {
    server.override('/jwks', redirect(other.jwksUri))
    await expectAuthError(verify(), 'keys_unavailable')
    expect(other.totalHits()).toBe(0)
  })

  it('refuses a redirect loop and a redirect without Location', async () => {
    server.override('/loop', redirect('/loop'))
    await expectAuthError(verify({}, `${server.url}/loop`), 'keys_unavailable')
    expect(server.hits.get('/loop')).toBe(4)
    server.override('/jwks', (_req, res) => res.writeHead(302).end())
    await expectAuthError(verify(), 'keys_unavailable')
  })
})

describe('responses that are not a JWK Set', () => {
  it.each([
    ['404', respond(404, '{"keys":[]}')],
    ['500', respond(500, 'oops')],
    ['204', (_req: IncomingMessage, res: ServerResponse) => res.writeHead(204).end()],
    ['201 with keys', respond(201, JSON.stringify({ keys: [] }))],
    ['invalid JSON', respond(200, '{"keys":[')],
    ['HTML', respond(200, '<html></html>', { 'content-type': 'text/html' })],
    ['an empty body', respond(200, '')],
    ['an object without keys', respond(200, '{}')],
    ['keys that are not an array', respond(200, '{"keys":"k1"}')],
    ['an array', respond(200, '[]')],
    ['null', respond(200, 'null')],
  ] as [string, Handler][])('answers 503 for %s', async (_name, handler) => {
    server.override('/jwks', handler)
    await expectAuthError(verify(), 'keys_unavailable')
  })

  it('answers 503 when nothing listens', async () => {
    const gone = await startJwksServer()
    const uri = gone.jwksUri
    await gone.close()
    await expectAuthError(verify({}, uri), 'keys_unavailable')
  })

  it('accepts a JWK Set that starts with a UTF-8 BOM, as Fetch and jose do', async () => {
    server.override('/jwks', respond(200, `\uFEFF${JSON.stringify({ keys: [key.publicJwk] })}`))
    await expect(verify()).resolves.toBeDefined()
  })

  it('drops only one BOM, like Fetch: a second one is not JSON (503)', async () => {
    server.override('/jwks', respond(200, `\uFEFF\uFEFF${JSON.stringify({ keys: [key.publicJwk] })}`))
    await expectAuthError(verify(), 'keys_unavailable')
  })

  it('answers 401 for a valid but empty JWK Set (pinned: the issuer has no such key)', async () => {
    server.override('/jwks', respond(200, '{"keys":[]}'))
    await expectAuthError(verify(), 'key_not_found')
  })
})

describe('jwks.fetch', () => {
  it('is used for every request, e.g. to go through a proxy agent', async () => {
    const seen: string[] = []
    const viaAgent: typeof fetch = (input, init) => {
      seen.push(String(input))
      return fetch(input, init)
    }
    await expect(verify({ fetch: viaAgent })).resolves.toBeDefined()
    expect(seen).toEqual([server.jwksUri])
  })

  it('maps a fetch that throws to 503', async () => {
    const broken: typeof fetch = () => Promise.reject(new TypeError('proxy down'))
    const error = await expectAuthError(verify({ fetch: broken }), 'keys_unavailable')
    expect(error.message).not.toContain('proxy')
  })
})
