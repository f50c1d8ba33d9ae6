// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import { createMcpTokenVerifier, createVerifier, mcpAuth } from '@tokenguard/mcp'

const issuer = 'https://idp.example.com/'
const resource = 'https://mcp.example.com/mcp'
const verifier = createVerifier({ issuer, audience: 'api' })

// The MCP verifier needs the resource, with a shared verifier or verifier options.
createMcpTokenVerifier({ verifier, resource })
createMcpTokenVerifier({ issuer, resource })
// @ts-expect-error resource is missing
createMcpTokenVerifier({ verifier })
// @ts-expect-error resource is missing
createMcpTokenVerifier({ issuer, audience: 'api' })

mcpAuth({ issuer, resource, resourceMetadata: {}, requiredScopes: ['tools:call'] })
// @ts-expect-error resourceMetadata is required by mcpAuth
mcpAuth({ issuer, resource })
