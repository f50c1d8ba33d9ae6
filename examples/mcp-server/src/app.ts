import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isAuthError, mcpAuth, mcpRequest } from '@tokenguard/mcp'
import express, { type ErrorRequestHandler, type Express } from 'express'

/** What {@link createApp} needs: where tokens come from and this server's resource identifier. */
export interface McpAppOptions {
  /** The authorization server's issuer identifier (the `iss` of its tokens). */
  issuer: string
  /** This MCP server's URL as clients reach it, e.g. `https://mcp.example.com/mcp`: the tokens' audience. */
  resource: string
}

/** The scope a client needs to call this server's tools. */
export const TOOLS_SCOPE = 'tools:call'

/** A stateless MCP server with one tool, `whoami`, answering with what the token says of the caller. */
function createMcpServer(): McpServer {
  const server = new McpServer({ name: 'tokenguard-example', version: '1.0.0' })
  server.registerTool(
    'whoami',
    { description: 'Tells the caller which client and scopes its access token carries' },
    (extra) => {
      const auth = extra.authInfo
      const claims = auth?.extra?.claims as { sub?: unknown } | undefined
      const text = JSON.stringify({ clientId: auth?.clientId, scopes: auth?.scopes, subject: claims?.sub })
      return { content: [{ type: 'text', text }] }
    },
  )
  return server
}

/**
 * The MCP server on Express: `mcpAuth` publishes the RFC 9728 metadata and protects `/mcp` with tokenguard
 * (401 with `resource_metadata`, 403 with `scope`, 503 on a key outage); the SDK's Streamable HTTP transport
 * answers the MCP requests, one stateless server per request.
 */
export function createApp(options: McpAppOptions): Express {
  const app = express()
  app.set('env', 'production')
  app.use(
    mcpAuth({
      issuer: options.issuer,
      resource: options.resource,
      resourceMetadata: { scopesSupported: [TOOLS_SCOPE], resourceName: 'tokenguard example MCP server' },
      requiredScopes: [TOOLS_SCOPE],
    }),
  )
  app.post('/mcp', express.json({ limit: '100kb' }), async (req, res) => {
    const server = createMcpServer()
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(mcpRequest(req), res, req.body)
  })
  // Stateless: no server-sent event stream and no session to end.
  app.all('/mcp', (_req, res) => void res.status(405).set('Allow', 'POST').end())
  app.use(authErrors)
  return app
}

/** Refusals as JSON, with the status and headers (`WWW-Authenticate`, `Retry-After`) tokenguard chose. */
const authErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (!isAuthError(error)) return next(error)
  res.status(error.status).set(error.headers).json({ error: error.code, message: error.message })
}
