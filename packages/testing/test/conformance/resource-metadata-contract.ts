import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import type { ConformanceServer } from './app-contract.js'

/**
 * RFC 9728 protected resource metadata, the same in every adapter. Each adapter builds two apps from
 * `options`:
 *
 * - `root`: `jwtAuth(options)` at the root; `GET /mcp` requires scope `tools:call` (a guard, or Fastify's
 *   `config.auth`) and answers 200 `{ "ok": true }`; a catch-all for every other method and path answers
 *   200 `{ "reached": true }`, so a request that passes without a token shows.
 * - `prefix`: the adapter's `protectedResourceMetadata(options)` at the root, `jwtAuth(options)` under
 *   `/api` with the same `/mcp` route and catch-all there (`/api/mcp`, `/api/*`).
 */
export type MetadataAppKind = 'root' | 'prefix'
export type MetadataAppFactory = (
  kind: MetadataAppKind,
  options: Record<string, unknown>,
) => Promise<ConformanceServer>

export const RESOURCE = 'https://mcp.example.com/mcp'
export const WELL_KNOWN = '/.well-known/oauth-protected-resource'
export const METADATA_URL = `https://mcp.example.com${WELL_KNOWN}/mcp`
export const SCOPE = 'tools:call'

export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One request with the path sent byte for byte (no URL parsing: `..` and `%2e` reach the server as is). */
export function send(
  base: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

const LOOK_ALIKES = [
  `${WELL_KNOWN}/`,
  `${WELL_KNOWN}/mcp/`,
  `${WELL_KNOWN}/../admin`,
  `${WELL_KNOWN}/mcp/../../admin`,
  `${WELL_KNOWN}/%2e%2e/admin`,
  `${WELL_KNOWN}/%2E%2E/mcp`,
  `/.well-known/oauth-protected-resourc%65`,
  `/.WELL-KNOWN/oauth-protected-resource`,
  `${WELL_KNOWN}/MCP`,
  `${WELL_KNOWN}x`,
  `${WELL_KNOWN}/mcpx`,
  `${WELL_KNOWN}/mcp/admin`,
  `/admin${WELL_KNOWN}`,
  `${WELL_KNOWN};/admin`,
]

/** Runs the contract against one adapter (one framework version). */
export function runResourceMetadataContract(name: string, build: MetadataAppFactory): void {
  describe(`${name}: RFC 9728 protected resource metadata`, () => {
    let issuer: TestIssuer
    let root: ConformanceServer
    let prefix: ConformanceServer
    let options: Record<string, unknown>

    beforeAll(async () => {
      issuer = await createTestIssuer({ audience: RESOURCE })
      options = { issuer: issuer.url, resource: RESOURCE, resourceMetadata: { scopesSupported: [SCOPE] } }
      root = await build('root', options)
      prefix = await build('prefix', options)
    })
    afterAll(async () => {
      await root.close()
      await prefix.close()
      await issuer.close()
    })

    const expectDocument = (answer: RawAnswer) => {
      expect(answer.status).toBe(200)
      expect(answer.headers['content-type']).toMatch(/^application\/json/)
      expect(answer.headers['cache-control']).toBe('public, max-age=3600')
      expect(answer.headers['access-control-allow-origin']).toBe('*')
      expect(JSON.parse(answer.body)).toMatchObject({
        resource: RESOURCE,
        authorization_servers: [issuer.url],
        scopes_supported: [SCOPE],
        bearer_methods_supported: ['header'],
      })
    }
    const expectRefused = (answer: RawAnswer) => {
      expect(answer.body).not.toContain('reached')
      expect(answer.status).toBe(401)
      expect(answer.headers['www-authenticate']).toContain(`resource_metadata="${METADATA_URL}"`)
    }

    it('serves the document without a token at the path-inserted and root paths (query aside)', async () => {
      for (const app of [root, prefix])
        for (const path of [`${WELL_KNOWN}/mcp`, WELL_KNOWN, `${WELL_KNOWN}/mcp?x=1`])
          expectDocument(await send(app.url, path))
    })

    it('answers HEAD without a body and the CORS preflight with 204', async () => {
      for (const app of [root, prefix]) {
        const head = await send(app.url, `${WELL_KNOWN}/mcp`, 'HEAD')
        expect(head.status).toBe(200)
        expect(head.body).toBe('')
        expect(head.headers['access-control-allow-origin']).toBe('*')
        const preflight = await send(app.url, WELL_KNOWN, 'OPTIONS', {
          origin: 'https://client.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'mcp-protocol-version',
        })
        expect(preflight.status).toBe(204)
        expect(preflight.headers['access-control-allow-origin']).toBe('*')
        expect(preflight.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS')
        expect(preflight.body).toBe('')
      }
    })

    it('authenticates every other method to those paths: nothing reaches a handler without a token', async () => {
      for (const path of [`${WELL_KNOWN}/mcp`, WELL_KNOWN])
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
          expectRefused(await send(root.url, path, method))
    })

    it('authenticates every look-alike path (no prefix, suffix, case, dot-segment or encoding match)', async () => {
      for (const path of LOOK_ALIKES) expectRefused(await send(root.url, path))
    })

    it('lets a token through to those paths with other methods, as any route', async () => {
      const token = await issuer.sign()
      const answer = await send(root.url, WELL_KNOWN, 'POST', { authorization: `Bearer ${token}` })
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body)).toEqual({ reached: true })
    })

    it('sends resource_metadata in the 401s and scope with it in the 403', async () => {
      for (const [app, path] of [
        [root, '/mcp'],
        [prefix, '/api/mcp'],
      ] as const) {
        expectRefused(await send(app.url, path))
        const other = await issuer.sign({ scope: SCOPE }, { audience: 'https://other.example.com' })
        const wrongAudience = await send(app.url, path, 'GET', { authorization: `Bearer ${other}` })
        expectRefused(wrongAudience)
        expect(wrongAudience.headers['www-authenticate']).toContain('error="invalid_token"')
        const unscoped = await send(app.url, path, 'GET', {
          authorization: `Bearer ${await issuer.sign({ scope: 'tools:read' })}`,
        })
        expect(unscoped.status).toBe(403)
        expect(unscoped.headers['www-authenticate']).toContain(`scope="${SCOPE}"`)
        expect(unscoped.headers['www-authenticate']).toContain(`resource_metadata="${METADATA_URL}"`)
        const granted = await send(app.url, path, 'GET', {
          authorization: `Bearer ${await issuer.sign({ scope: SCOPE })}`,
        })
        expect(granted.status).toBe(200)
        expect(JSON.parse(granted.body)).toEqual({ ok: true })
      }
    })

    it('does not serve the document under the prefix where jwtAuth is mounted', async () => {
      expectRefused(await send(prefix.url, `/api${WELL_KNOWN}/mcp`))
    })
  })
}
