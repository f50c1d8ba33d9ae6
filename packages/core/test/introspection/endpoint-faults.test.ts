import type { ServerResponse } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { expectAuthError } from '../support/expect-error.js'
import {
  activeClaims,
  json,
  optionsFor,
  opaqueToken,
  startIntrospectionServer,
  type Answer,
  type IntrospectionServer,
} from './introspection-server.js'

/**
 * An endpoint that is down, slow, flooded or answers garbage is the authorization server's outage: 503
 * `introspection_unavailable`, never a 401 that would log every user out, and never a pass.
 */

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
})
afterAll(() => server.close())
afterEach(() => {
  server.requests.length = 0
  server.answer = json(activeClaims())
  server.metadata = { issuer: server.issuer, introspection_endpoint: server.endpoint }
})

const raw =
  (status: number, body: string, type = 'application/json'): Answer =>
  (_request, res) =>
    void res.writeHead(status, { 'content-type': type }).end(body)

describe('garbage answers', () => {
  it.each<[string, Answer]>([
    ['not JSON', raw(200, '<html>maintenance</html>', 'text/html')],
    ['empty', raw(200, '')],
    ['JSON null', raw(200, 'null')],
    ['a JSON array', raw(200, '[{"active":true}]')],
    ['a JSON string', raw(200, '"active"')],
    ['active "true" (a string)', json({ ...activeClaims(), active: 'true' })],
    ['active 1', json({ ...activeClaims(), active: 1 })],
    ['no active member', json({ ...activeClaims(), active: undefined })],
    ['JSON nested 100 levels deep', raw(200, `{"active":true,"x":${'['.repeat(100)}${']'.repeat(100)}}`)],
    ['HTTP 500', raw(500, '{"error":"server_error"}')],
    ['HTTP 401 invalid_client (our credentials)', raw(401, '{"error":"invalid_client"}')],
    ['HTTP 400', raw(400, '{"error":"invalid_request"}')],
    ['HTTP 404', raw(404, '')],
    ['HTTP 204', (_request, res) => void res.writeHead(204).end()],
  ])('answers 503, never 401, when the endpoint answers %s', async (_, answer) => {
    server.answer = answer
    const verifier = createVerifier(await optionsFor(server))
    const error = await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
    expect(error.reason?.check).toBe('introspection')
  })

  it('takes active: false for an inactive token (401), the one refusal the endpoint can make', async () => {
    server.answer = json({ active: false })
    const verifier = createVerifier(await optionsFor(server))
    await expectAuthError(verifier.verify(opaqueToken()), 'token_inactive')
  })

  it('never remembers a garbage answer, even with the cache on', async () => {
    server.answer = raw(500, '')
    const verifier = createVerifier(await optionsFor(server, { cache: true }))
    const token = opaqueToken()
    await expectAuthError(verifier.verify(token), 'introspection_unavailable')
    server.answer = json(activeClaims())
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
  })
})

describe('bounds', () => {
  it('abandons a request after timeout (503)', async () => {
    server.answer = () => undefined
    const verifier = createVerifier(await optionsFor(server, { timeout: 50 }))
    const error = await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
    expect(String(error.reason?.message)).toContain('timed out')
  })

  it('abandons an answer whose body stalls after its headers (503)', async () => {
    server.answer = (_request, res) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).write('{')
    const verifier = createVerifier(await optionsFor(server, { timeout: 50 }))
    await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
  })

  it('refuses an answer over maxResponseBytes (503), and reads one within it', async () => {
    const body = JSON.stringify({ ...activeClaims(), padding: 'x'.repeat(600) })
    server.answer = raw(200, body)
    const small = createVerifier(await optionsFor(server, { maxResponseBytes: 512 }))
    await expectAuthError(small.verify(opaqueToken()), 'introspection_unavailable')
    const exact = createVerifier(await optionsFor(server, { maxResponseBytes: Buffer.byteLength(body) }))
    await expect(exact.verify(opaqueToken())).resolves.toBeDefined()
  })

  it('refuses a huge answer without a content-length (chunked) as well', async () => {
    server.answer = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(`{"active":true,"x":"`)
      for (let i = 0; i < 100; i++) res.write('y'.repeat(1024))
      res.end('"}')
    }
    const verifier = createVerifier(await optionsFor(server))
    await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
  })

  it('answers 503 at once beyond maxInFlight requests, without asking the endpoint', async () => {
    const held: ServerResponse[] = []
    server.answer = (_request, res) => void held.push(res)
    const verifier = createVerifier(await optionsFor(server, { maxInFlight: 2 }))
    const [first, second] = [opaqueToken('a'), opaqueToken('b')]
    const pending = [verifier.verify(first), verifier.verify(second), verifier.verify(first)]
    while (held.length < 2) await new Promise((resolve) => setImmediate(resolve))
    // The endpoint is busy with two tokens: a third is refused before any request is made.
    const error = await expectAuthError(verifier.verify(opaqueToken('c')), 'introspection_unavailable')
    expect(String(error.reason?.message)).toContain('maxInFlight')
    expect(server.requests).toHaveLength(2)
    for (const res of held) json(activeClaims())(server.requests[0] as never, res)
    await expect(Promise.all(pending)).resolves.toHaveLength(3)
    // Answered, the slots are free again.
    server.answer = json(activeClaims())
    await expect(verifier.verify(opaqueToken('d'))).resolves.toBeDefined()
    expect(server.requests).toHaveLength(3)
  })
})

describe('the endpoint down', () => {
  it('answers 503 when nothing listens there', async () => {
    const gone = await startIntrospectionServer()
    await gone.close()
    const verifier = createVerifier(await optionsFor(gone))
    await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
  })

  it('answers 503 when the connection is cut mid-answer', async () => {
    server.answer = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"act')
      res.socket?.destroy()
    }
    const verifier = createVerifier(await optionsFor(server))
    await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
  })
})

describe('discovery of the endpoint', () => {
  const discovering = async () => createVerifier({ ...(await optionsFor(server, { endpoint: undefined })) })

  it('finds introspection_endpoint in the issuer metadata, once for concurrent requests', async () => {
    const verifier = await discovering()
    const before = server.discoveries
    await Promise.all([verifier.verify(opaqueToken()), verifier.verify(opaqueToken())])
    await verifier.verify(opaqueToken())
    expect(server.discoveries).toBe(before + 1)
    expect(server.requests.map((request) => request.path)).toEqual(Array(3).fill('/introspect'))
  })

  it.each<[string, () => Record<string, unknown> | undefined]>([
    ['fails (500)', () => undefined],
    ['has no introspection_endpoint', () => ({ issuer: server.issuer })],
    [
      'names another issuer',
      () => ({ issuer: 'https://evil.example/', introspection_endpoint: server.endpoint }),
    ],
    [
      'announces a plain-http remote endpoint',
      () => ({ issuer: server.issuer, introspection_endpoint: 'http://idp.example/i' }),
    ],
    [
      'announces something that is no URL',
      () => ({ issuer: server.issuer, introspection_endpoint: 'introspect' }),
    ],
  ])('answers 503 when the metadata %s, and tries again 5 s later', async (_, metadata) => {
    server.metadata = metadata()
    let nowMs = Date.now()
    const verifier = createVerifier({
      ...(await optionsFor(server, { endpoint: undefined })),
      now: () => nowMs,
    })
    await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
    const discoveries = server.discoveries
    server.metadata = { issuer: server.issuer, introspection_endpoint: server.endpoint }
    // Within the retry delay: refused at once, the metadata is not read again.
    nowMs += 4_999
    await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
    expect(server.discoveries).toBe(discoveries)
    expect(server.requests).toHaveLength(0)
    nowMs += 1
    await expect(verifier.verify(opaqueToken())).resolves.toBeDefined()
    expect(server.requests).toHaveLength(1)
  })
})
