// Runs the example against your authorization server:
//   ISSUER=https://idp.example.com/ RESOURCE=https://mcp.example.com/mcp PORT=3000 node dist/server.js
// Only this entry point reads the environment; createApp() takes plain options.
import type { AddressInfo } from 'node:net'
import { createApp } from './app.js'

const { ISSUER, RESOURCE, PORT, HOST } = process.env

if (!ISSUER || !RESOURCE) {
  console.error(
    'Set ISSUER and RESOURCE, e.g. ISSUER=https://idp.example.com/ RESOURCE=https://mcp.example.com/mcp',
  )
  process.exit(1)
}

try {
  // Options are checked here: a bad ISSUER or RESOURCE fails now, not on the first request.
  const app = createApp({ issuer: ISSUER, resource: RESOURCE })
  const server = app.listen(Number(PORT ?? 3000), HOST || '127.0.0.1', () => {
    const { address, port } = server.address() as AddressInfo
    console.log(`MCP server on http://${address}:${port}/mcp for resource ${RESOURCE}, tokens from ${ISSUER}`)
  })
  process.once('SIGINT', () => server.close())
} catch (error) {
  console.error(`Cannot start: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
