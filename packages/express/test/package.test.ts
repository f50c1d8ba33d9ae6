import { beforeAll, describe, expect, it } from '@jest/globals'
import { ensureBuilt, loadBuilt } from '../../testing/test/support/built-package.js'

// Creating a middleware exercises the core and jose through the built package, not just its export list.
const probe = `
  const middleware = pkg.jwtAuth({ issuer: 'https://idp.example.com/', audience: 'api' })
  result = {
    exports: Object.keys(pkg).sort(),
    middleware: typeof middleware,
    guard: typeof pkg.requireScopes('read'),
    error: new pkg.AuthError('token_expired').status,
  }
`

describe('built @tokenguard/express', () => {
  beforeAll(() => ensureBuilt('express'))

  it.each(['cjs', 'esm'] as const)('loads with %s', async (format) => {
    const result = (await loadBuilt(format, 'express', probe)) as Record<string, unknown>
    expect(result).toMatchObject({ middleware: 'function', guard: 'function', error: 401 })
    expect(result.exports).toEqual(
      expect.arrayContaining([
        'jwtAuth',
        'requireScopes',
        'requireAnyScope',
        'requireRoles',
        'requireClaims',
        'requireClaimEquals',
        'requireClaimIncludes',
        'AuthError',
        'isAuthError',
        'createVerifier',
        'rolePresets',
      ]),
    )
  })
})
