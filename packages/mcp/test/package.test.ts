import { beforeAll, describe, expect, it } from '@jest/globals'
import { ensureBuilt, loadBuilt } from '../../testing/test/support/built-package.js'

// Creating the verifier and the router exercises the core, the Express adapter and the SDK through the built
// package, not just its export list.
const probe = `
  const options = { issuer: 'https://idp.example.com/', resource: 'https://mcp.example.com/mcp' }
  const verifier = pkg.createMcpTokenVerifier(options)
  const router = pkg.mcpAuth({ ...options, resourceMetadata: {} })
  result = {
    exports: Object.keys(pkg).sort(),
    verifier: typeof verifier.verifyAccessToken,
    router: typeof router,
  }
`

describe('built @tokenguard/mcp', () => {
  beforeAll(() => ensureBuilt('mcp'))

  it.each(['cjs', 'esm'] as const)('loads with %s', async (format) => {
    const result = (await loadBuilt(format, 'mcp', probe)) as Record<string, unknown>
    expect(result).toMatchObject({ verifier: 'function', router: 'function' })
    expect(result.exports).toEqual(
      expect.arrayContaining(['createMcpTokenVerifier', 'mcpAuth', 'mcpRequest', 'toAuthInfo', 'AuthError']),
    )
  })
})
