import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  buildDiscoveryUrls,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { createApp, TOOLS_SCOPE } from '../src/app.js'

let issuer: TestIssuer
let server: Server
/** This MCP server's URL, its resource identifier: known once the server listens. */
let resource: string

beforeAll(async () => {
  issuer = await createTestIssuer()
  server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  resource = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`
  server.on('request', createApp({ issuer: issuer.url, resource }))
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await issuer.close()
})

/** The SDK's own client over Streamable HTTP, the token injected through the transport's headers. */
async function connect(token?: string): Promise<Client> {
  const client = new Client({ name: 'example-test', version: '1.0.0' })
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` }
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers } }))
  return client
}

/** The HTTP status of the refusal the SDK client met while connecting. */
async function refusedWith(token?: string): Promise<number | undefined> {
  const error = await connect(token).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StreamableHTTPError)
  return (error as StreamableHTTPError).code
}

const initialize = (token?: string) =>
  fetch(resource, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  })

describe('MCP server protected by tokenguard', () => {
  it('refuses a client without a token: 401 with resource_metadata, then discovery leads to the issuer', async () => {
    expect(await refusedWith()).toBe(401)
    const challenge = await initialize()
    expect(challenge.status).toBe(401)
    // The chain an MCP client follows: the challenge, the RFC 9728 metadata, the authorization server.
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(challenge)
    expect(resourceMetadataUrl?.href).toBe(
      resource.replace('/mcp', '/.well-known/oauth-protected-resource/mcp'),
    )
    const metadata = await discoverOAuthProtectedResourceMetadata(resource, { resourceMetadataUrl })
    expect(metadata).toMatchObject({
      resource,
      authorization_servers: [issuer.url],
      scopes_supported: [TOOLS_SCOPE],
      bearer_methods_supported: ['header'],
    })
    // The SDK's own list of where the authorization server's metadata is; the first is RFC 8414's.
    const [first] = buildDiscoveryUrls(metadata.authorization_servers?.[0] as string)
    const authorizationServer = (await (await fetch(first?.url as URL)).json()) as Record<string, unknown>
    expect(authorizationServer).toMatchObject({ issuer: issuer.url, jwks_uri: issuer.jwksUri })
  })

  it('lists and calls tools with a token issued for this server', async () => {
    const client = await connect(
      await issuer.sign({ scope: TOOLS_SCOPE, client_id: 'agent' }, { audience: resource }),
    )
    try {
      const { tools } = await client.listTools()
      expect(tools.map((tool) => tool.name)).toEqual(['whoami'])
      const result = await client.callTool({ name: 'whoami', arguments: {} })
      const [content] = result.content as Array<{ type: string; text: string }>
      expect(JSON.parse(content?.text as string)).toEqual({
        clientId: 'agent',
        scopes: [TOOLS_SCOPE],
        subject: 'test-user',
      })
    } finally {
      await client.close()
    }
  })

  it('refuses a token issued for another resource with 401', async () => {
    const other = await issuer.sign({ scope: TOOLS_SCOPE }, { audience: 'https://other.example.com/mcp' })
    expect(await refusedWith(other)).toBe(401)
    const answer = await initialize(other)
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(answer.headers.get('www-authenticate')).toContain('resource_metadata="')
  })

  it('refuses a token without the scope with 403, scope= and resource_metadata=', async () => {
    const token = await issuer.sign({ scope: 'tools:read' }, { audience: resource })
    expect(await refusedWith(token)).toBe(403)
    const answer = await initialize(token)
    expect(answer.status).toBe(403)
    const { scope, error, resourceMetadataUrl } = extractWWWAuthenticateParams(answer)
    expect({ scope, error }).toEqual({ scope: TOOLS_SCOPE, error: 'insufficient_scope' })
    expect(resourceMetadataUrl?.pathname).toBe('/.well-known/oauth-protected-resource/mcp')
  })
})
