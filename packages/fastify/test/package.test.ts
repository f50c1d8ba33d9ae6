import { beforeAll, describe, expect, it } from '@jest/globals'
import { withDpop } from '../../core/test/support/challenge.js'
import { ensureBuilt, loadBuilt } from '../../testing/test/support/built-package.js'

// Registering the plugin on a real Fastify exercises fastify-plugin, the core and jose through the build.
const probe = `
  const { default: fastify } = await import('fastify')
  const app = fastify()
  await app.register(pkg.default, { issuer: 'https://idp.example.com/', audience: 'api' })
  app.get('/', async () => 'ok')
  const res = await app.inject({ url: '/' })
  await app.close()
  result = {
    exports: Object.keys(pkg).sort(),
    sameDefault: pkg.default === pkg.jwtAuth,
    status: res.statusCode,
    challenge: res.headers['www-authenticate'],
    decorated: typeof app.authenticate,
  }
`

describe('built @tokenguard/fastify', () => {
  beforeAll(() => ensureBuilt('fastify'))

  it.each(['cjs', 'esm'] as const)('loads with %s', async (format) => {
    const result = (await loadBuilt(format, 'fastify', probe)) as Record<string, unknown>
    expect(result).toMatchObject({
      sameDefault: true,
      status: 401,
      challenge: withDpop('Bearer'),
      decorated: 'function',
    })
    expect(result.exports).toEqual(
      expect.arrayContaining([
        'default',
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
