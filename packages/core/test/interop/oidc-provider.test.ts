import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, requireScopes } from '@tokenguard/core'
import { decodeProtectedHeader } from 'jose'
import { expectInvalidToken } from '../support/attack.js'
import { PROVIDER_ALGORITHMS, startOidcProvider, type OidcProviderServer } from './oidc-provider-server.js'

/**
 * Interop with node-oidc-provider (OpenID Certified), started on 127.0.0.1 for the run: its
 * client-credentials JWT access tokens (RFC 9068) verify with nothing but `issuer` and `audience`.
 */

let op: OidcProviderServer
beforeAll(async () => {
  op = await startOidcProvider()
})
afterAll(() => op.close())

describe('oidc-provider client-credentials access tokens', () => {
  it.each(PROVIDER_ALGORITHMS)('%s: verifies through discovery, in strict RFC 9068 mode', async (alg) => {
    const token = await op.token(alg, 'read write')
    const header = decodeProtectedHeader(token)
    expect(header.alg).toBe(alg)
    expect(header.typ).toBe('at+jwt')

    const verifier = createVerifier({ issuer: op.issuer, audience: op.resource(alg), tokenType: 'at+jwt' })
    const auth = await verifier.verify(token)
    expect(auth.payload.iss).toBe(op.issuer)
    expect(auth.payload.client_id).toBe('interop-client')
    expect(auth.payload.scope).toBe('read write')
    expect(() => requireScopes('read', 'write')(auth)).not.toThrow()
    expect(() => requireScopes('admin')(auth)).toThrow(
      expect.objectContaining({ code: 'insufficient_scope', status: 403 }),
    )
  })

  it('a token for another resource of the same provider is refused (audience)', async () => {
    const token = await op.token('ES256', 'read')
    const verifier = createVerifier({ issuer: op.issuer, audience: op.resource('RS256') })
    await expectInvalidToken(verifier.verify(token), 'claim_invalid')
  })

  it('a verifier restricted to RS256 refuses the provider’s ES256 and EdDSA tokens', async () => {
    const verifier = createVerifier({
      issuer: op.issuer,
      audience: [op.resource('ES256'), op.resource('EdDSA'), op.resource('RS256')],
      algorithms: ['RS256'],
    })
    await expect(verifier.verify(await op.token('RS256', 'read'))).resolves.toBeDefined()
    await expectInvalidToken(verifier.verify(await op.token('ES256', 'read')), 'algorithm_not_allowed')
    await expectInvalidToken(verifier.verify(await op.token('EdDSA', 'read')), 'algorithm_not_allowed')
  })

  it('a tampered provider token is refused', async () => {
    const token = await op.token('PS256', 'read')
    const [h, p, s] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'read admin' })).toString('base64url')}.${s}`
    const verifier = createVerifier({ issuer: op.issuer, audience: op.resource('PS256') })
    await expectInvalidToken(verifier.verify(forged), 'signature_invalid')
  })
})
