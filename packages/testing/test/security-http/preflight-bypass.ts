import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import { sendRaw, type RawRequest, type RawResponse } from '../support/raw-http.js'
import { unsigned } from './fixture.js'
import { expectAnswer } from './response-checks.js'

/**
 * Catalog item 125: a forged CORS preflight must not reach a handler that answers every method.
 *
 * Each adapter supplies an app protected by `jwtAuth(options)` whose handlers at `paths` answer every
 * method, written the ways its framework allows (Express `app.all`, `app.use(path, fn)`, a mounted sub-app;
 * Koa plain middleware, `router.all`; Fastify `all`, a method list with `OPTIONS`, an encapsulated scope…).
 * A handler that runs calls `reached` with the request's `x-test-id` header, so every row can tell whether
 * the request got through, whatever the status.
 */
export interface BypassApp {
  url: string
  close(): Promise<void>
}

/** Starts one app; `options` go to `jwtAuth`. */
export type BypassAppFactory = (
  options: Record<string, unknown>,
  reached: (id: string | undefined) => void,
) => Promise<BypassApp>

const ID = 'x-test-id'
const preflight: Array<[string, string]> = [
  ['origin', 'https://evil.example'],
  ['access-control-request-method', 'GET'],
  ['access-control-request-headers', 'authorization'],
]
const overridden: Array<[string, string]> = [
  ...preflight,
  ['x-http-method-override', 'OPTIONS'],
  ['x-method-override', 'OPTIONS'],
  ['content-length', '0'],
]

/** What no request may do without a token, whatever `allowPreflight` says. */
const NEVER_PASS: Array<[string, RawRequest]> = [
  [
    'OPTIONS without Access-Control-Request-Method',
    { method: 'OPTIONS', headers: [['origin', 'https://evil.example']] },
  ],
  ['GET with preflight headers', { method: 'GET', headers: preflight }],
  ['HEAD with preflight headers', { method: 'HEAD', headers: preflight }],
  [
    'POST with X-HTTP-Method-Override: OPTIONS and preflight headers',
    { method: 'POST', headers: overridden },
  ],
  ['DELETE with preflight headers', { method: 'DELETE', headers: preflight }],
]

/** 401, or 404 where the route does not answer that method at all (a Fastify method list). */
const REFUSED = [401, 404]

/** Sends a request line Node's client would correct (a lower-case method), straight over TCP. */
function sendRawLine(baseUrl: string, line: string, headers: Array<[string, string]>): Promise<string> {
  const { hostname, port } = new URL(baseUrl)
  const text = `${line}\r\nHost: ${hostname}:${port}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text))
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')))
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

/** Runs the item-125 attacks against one framework version, over every path its app declares. */
export function describePreflightBypass(
  framework: string,
  paths: readonly string[],
  createApp: BypassAppFactory,
): void {
  describe(`[125] forged CORS preflight: ${framework}`, () => {
    let issuer: TestIssuer
    let strict: BypassApp
    let allowing: BypassApp
    const reached = new Set<string>()
    const record = (id: string | undefined) => void (id && reached.add(id))

    beforeAll(async () => {
      issuer = await createTestIssuer()
      const options = { issuer: issuer.url, audience: issuer.audience }
      strict = await createApp(options, record)
      allowing = await createApp({ ...options, allowPreflight: true }, record)
    })
    afterAll(async () => {
      await Promise.all([strict.close(), allowing.close()])
      await issuer.close()
    })

    /** Sends `req` with a fresh `x-test-id`; tells whether a handler ran for it. */
    async function send(app: BypassApp, path: string, req: RawRequest) {
      const id = randomUUID()
      const res: RawResponse = await sendRaw(app.url, {
        ...req,
        path,
        headers: [...(req.headers ?? []), [ID, id]],
      })
      return { res, handled: reached.has(id) }
    }

    describe.each(paths)('%s', (path) => {
      it('the handler answers OPTIONS: a preflight carrying a valid token reaches it', async () => {
        const token = await issuer.sign()
        const { res, handled } = await send(strict, path, {
          method: 'OPTIONS',
          headers: [...preflight, ['authorization', `Bearer ${token}`]],
        })
        expect(res.status).toBeLessThan(300)
        expect(handled).toBe(true)
      })

      it('default: a forged preflight without a token → 401, the handler never runs', async () => {
        for (const method of ['GET', 'POST', 'DELETE']) {
          const headers: Array<[string, string]> = [
            ...preflight.slice(0, 1),
            ['access-control-request-method', method],
          ]
          const { res, handled } = await send(strict, path, { method: 'OPTIONS', headers })
          expectAnswer(res, 401, {})
          expect(handled).toBe(false)
        }
      })

      it('default: a forged preflight with a forged token → 401 invalid_token, the handler never runs', async () => {
        const { res, handled } = await send(strict, path, {
          method: 'OPTIONS',
          headers: [...preflight, ['authorization', `Bearer ${unsigned('none', '')}`]],
        })
        expect(res.status).toBe(401)
        expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/)
        expect(handled).toBe(false)
      })

      it.each(NEVER_PASS)(
        'default: %s → refused (401; 404 where the route lacks the method), the handler never runs',
        async (_name, req) => {
          const { res, handled } = await send(strict, path, req)
          expect(REFUSED).toContain(res.status)
          expect(handled).toBe(false)
        },
      )

      it('allowPreflight: true (opted in) lets a forged preflight run the handler without a token', async () => {
        const { res, handled } = await send(allowing, path, { method: 'OPTIONS', headers: preflight })
        expect(res.status).toBeLessThan(300)
        expect(res.headers['www-authenticate']).toBeUndefined()
        expect(handled).toBe(true)
      })

      it.each(NEVER_PASS)(
        'allowPreflight: true, %s → refused, the handler never runs',
        async (_name, req) => {
          const { res, handled } = await send(allowing, path, req)
          expect(REFUSED).toContain(res.status)
          expect(handled).toBe(false)
        },
      )

      it.each([
        ['default', () => strict],
        ['allowPreflight: true', () => allowing],
      ])('%s: a lower-case "options" method is refused by Node before any handler', async (_name, app) => {
        const id = randomUUID()
        const answer = await sendRawLine(app().url, `options ${path} HTTP/1.1`, [...preflight, [ID, id]])
        expect(answer).toMatch(/^HTTP\/1\.1 400 /)
        expect(reached.has(id)).toBe(false)
      })

      it('default: a forged preflight in absolute form (OPTIONS http://host/path) → 401, the handler never runs', async () => {
        const { host } = new URL(strict.url)
        const line = `OPTIONS http://${host}${path} HTTP/1.1`
        // Every framework routes the absolute form to the same handler: a valid token reaches it.
        const [valid, forged] = [randomUUID(), randomUUID()]
        const token = await issuer.sign()
        const ok = await sendRawLine(strict.url, line, [
          ...preflight,
          ['authorization', `Bearer ${token}`],
          [ID, valid],
        ])
        expect(ok).toMatch(/^HTTP\/1\.1 2\d\d /)
        expect(reached.has(valid)).toBe(true)
        const answer = await sendRawLine(strict.url, line, [...preflight, [ID, forged]])
        expect(answer).toMatch(/^HTTP\/1\.1 401 /)
        expect(reached.has(forged)).toBe(false)
      })
    })
  })
}
