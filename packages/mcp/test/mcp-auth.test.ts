import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import express from 'express'
import { mcpAuth, mcpRequest, type McpAuthOptions } from '@tokenguard/mcp'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'

const RESOURCE = 'https://mcp.example.com/mcp'
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
let issuer: TestIssuer
let server: Server | undefined
beforeAll(async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  issuer = await createTestIssuer({ audience: RESOURCE })
})
async function stop(): Promise<void> {
  const running = server
  server = undefined
  if (running === undefined) return
  running.closeAllConnections()
  await new Promise((resolve) => running.close(resolve))
}
afterEach(stop)
afterAll(async () => {
  await issuer.close()
  jest.restoreAllMocks()
})

async function start(options: Partial<McpAuthOptions> = {}, mount = '/mcp'): Promise<string> {
  const app = express()
  app.set('env', 'production')
  app.use(
    mcpAuth({ issuer: issuer.url, resource: RESOURCE, resourceMetadata: {}, ...options } as McpAuthOptions),
  )
  app.all(mount, (req, res) => {
    const { auth } = mcpRequest(req)
    res.json({
      clientId: auth?.clientId,
      scopes: auth?.scopes,
      resource: auth?.resource,
      sub: req.auth?.payload.sub,
    })
  })
  app.use((_req, res) => void res.json({ open: true }))
  server = await new Promise<Server>((resolve) => {
    const started = app.listen(0, '127.0.0.1', () => resolve(started))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('mcpAuth', () => {
  it('serves the metadata and hands the MCP handler an SDK AuthInfo', async () => {
    const url = await start({ requiredScopes: ['tools:call'] })
    const document = await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)
    expect(document.status).toBe(200)
    expect(await document.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [issuer.url] })
    const token = await issuer.sign({ client_id: 'cli', scope: 'tools:call' })
    const answer = await fetch(`${url}/mcp`, { method: 'POST', ...bearer(token) })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({
      clientId: 'cli',
      scopes: ['tools:call'],
      resource: RESOURCE,
      sub: 'test-user',
    })
    // Outside the MCP endpoint, nothing is required.
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ open: true })
  })

  it('answers 401 with resource_metadata and scope, 403 with scope, 503 when keys are out of reach', async () => {
    const url = await start({ requiredScopes: ['tools:call'], dpop: { mode: 'disabled' } })
    const missing = await fetch(`${url}/mcp`, { method: 'POST' })
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${METADATA}"`)
    const denied = await fetch(`${url}/mcp`, { method: 'POST', ...bearer(await issuer.sign({ scope: 'x' })) })
    expect(denied.status).toBe(403)
    expect(denied.headers.get('www-authenticate')).toContain(
      `scope="tools:call", resource_metadata="${METADATA}"`,
    )
    const other = await issuer.sign({}, { audience: 'https://other.example.com/mcp' })
    expect((await fetch(`${url}/mcp`, { method: 'POST', ...bearer(other) })).status).toBe(401)
  })

  it('answers 503 when the issuer keys are out of reach', async () => {
    const down = await createTestIssuer({ audience: RESOURCE })
    const token = await down.sign()
    await down.close()
    const url = await start({ issuer: down.url, jwks: { timeout: 1000 } })
    const answer = await fetch(`${url}/mcp`, { method: 'POST', ...bearer(token) })
    expect(answer.status).toBe(503)
    expect(answer.headers.get('retry-after')).toBe('5')
  })

  it('protects the whole app for a resource at the root, and a path given by hand', async () => {
    const url = await start({ resource: 'https://mcp.example.com' }, '/')
    expect((await fetch(`${url}/.well-known/oauth-protected-resource`)).status).toBe(200)
    expect((await fetch(`${url}/anything`)).status).toBe(401)
    await stop()
    const proxied = await start({ path: '/internal/mcp' }, '/internal/mcp')
    expect((await fetch(`${proxied}/internal/mcp`, { method: 'POST' })).status).toBe(401)
    expect((await fetch(`${proxied}/mcp`, { method: 'POST' })).status).toBe(200)
  })

  it('checks its options at start-up', () => {
    const base = { issuer: 'https://idp.example.com/', resource: RESOURCE, resourceMetadata: {} }
    const cases: Array<[string, unknown]> = [
      ['options', null],
      ['resource', { ...base, resource: 'nope' }],
      ['resourceMetadata', { ...base, resourceMetadata: undefined }],
      ['path', { ...base, path: 'mcp' }],
      ['requiredScopes', { ...base, requiredScopes: 'tools:call' }],
      ['requireScopes', { ...base, requiredScopes: ['a b'] }],
    ]
    for (const [option, options] of cases)
      expect(() => mcpAuth(options as McpAuthOptions)).toThrow(`"${option}"`)
  })
})
