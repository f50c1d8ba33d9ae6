import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { InvalidTokenError, ServerError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import {
  AuthError,
  ConfigError,
  createMcpTokenVerifier,
  createVerifier,
  type Verifier,
} from '@tokenguard/mcp'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'

const RESOURCE = 'https://mcp.example.com/mcp'
let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE })
})
afterAll(() => issuer.close())

describe('createMcpTokenVerifier', () => {
  it('returns the SDK AuthInfo of a token issued for the resource', async () => {
    const verifier = createMcpTokenVerifier({ issuer: issuer.url, resource: RESOURCE })
    const token = await issuer.sign({ client_id: 'cli', scope: 'tools:read tools:call', tenant: 'acme' })
    const info = await verifier.verifyAccessToken(token)
    expect(info).toMatchObject({ token, clientId: 'cli', scopes: ['tools:read', 'tools:call'] })
    expect(typeof info.expiresAt).toBe('number')
    expect(info.resource).toBeInstanceOf(URL)
    expect(info.resource?.href).toBe(RESOURCE)
    expect(info.extra?.claims).toMatchObject({ tenant: 'acme', aud: RESOURCE, iss: issuer.url })
  })

  it('reads the client from client_id, azp or Entra v1 appid, and scopes from scp', async () => {
    const verifier = createMcpTokenVerifier({ issuer: issuer.url, resource: RESOURCE })
    const azp = await verifier.verifyAccessToken(await issuer.sign({ azp: 'spa', scp: 'a b' }))
    expect(azp).toMatchObject({ clientId: 'spa', scopes: ['a', 'b'] })
    const appid = await verifier.verifyAccessToken(await issuer.sign({ appid: 'entra-v1', scp: ['c'] }))
    expect(appid).toMatchObject({ clientId: 'entra-v1', scopes: ['c'] })
    const none = await verifier.verifyAccessToken(await issuer.sign({ appid: 7 }))
    expect(none).toMatchObject({ clientId: '', scopes: [] })
  })

  it('refuses a token for another resource with the SDK invalid-token error', async () => {
    const verifier = createMcpTokenVerifier({ issuer: issuer.url, resource: RESOURCE })
    const other = await issuer.sign({}, { audience: 'https://other.example.com/mcp' })
    const error = await verifier.verifyAccessToken(other).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect((error as InvalidTokenError).errorCode).toBe('invalid_token')
    expect((error as Error).cause).toBeInstanceOf(AuthError)
    expect((error as Error).message).not.toContain(other)
  })

  it('refuses a DPoP-bound token, which the SDK middleware cannot prove', async () => {
    const verifier = createMcpTokenVerifier({ issuer: issuer.url, resource: RESOURCE })
    const bound = await issuer.sign({ cnf: { jkt: 'A'.repeat(43) } })
    await expect(verifier.verifyAccessToken(bound)).rejects.toBeInstanceOf(InvalidTokenError)
  })

  it('answers a key outage with the SDK server error', async () => {
    const down = await createTestIssuer({ audience: RESOURCE })
    const token = await down.sign()
    await down.close()
    const verifier = createMcpTokenVerifier({ issuer: down.url, resource: RESOURCE, jwks: { timeout: 1000 } })
    const error = await verifier.verifyAccessToken(token).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ServerError)
    expect(((error as Error).cause as AuthError).code).toBe('keys_unavailable')
  })

  it('lets an explicit audience win, and applies a shared verifier own audience check', async () => {
    const entra = createMcpTokenVerifier({ issuer: issuer.url, audience: 'api://app', resource: RESOURCE })
    await expect(
      entra.verifyAccessToken(await issuer.sign({}, { audience: 'api://app' })),
    ).resolves.toMatchObject({
      resource: new URL(RESOURCE),
    })
    await expect(entra.verifyAccessToken(await issuer.sign())).rejects.toBeInstanceOf(InvalidTokenError)
    const shared = createVerifier({ issuer: issuer.url, audience: 'api://shared' })
    const viaShared = createMcpTokenVerifier({ verifier: shared, resource: RESOURCE })
    await expect(viaShared.verifyAccessToken(await issuer.sign())).rejects.toBeInstanceOf(InvalidTokenError)
  })

  it('checks its options at start-up', () => {
    const open = createVerifier({ issuer: issuer.url, audience: null })
    const cases: Array<[string, unknown]> = [
      ['options', null],
      ['resource', { issuer: issuer.url }],
      ['resource', { issuer: issuer.url, resource: 'mcp.example.com' }],
      ['resource', { issuer: issuer.url, resource: 'https://mcp.example.com/?x' }],
      ['resource', { issuer: issuer.url, resource: 'https://u:p@mcp.example.com/' }],
      ['resource', { issuer: issuer.url, resource: 'ftp://mcp.example.com/' }],
      ['verifier', { verifier: open, resource: RESOURCE }],
      ['verifier', { verifier: {}, resource: RESOURCE }],
      [
        'issuer',
        { verifier: createVerifier({ issuer: issuer.url, audience: 'a' }), issuer: 'x', resource: RESOURCE },
      ],
    ]
    for (const [option, options] of cases) {
      const call = () => createMcpTokenVerifier(options as Parameters<typeof createMcpTokenVerifier>[0])
      expect(call).toThrow(ConfigError)
      expect(call).toThrow(`"${option}"`)
    }
  })

  it('rethrows what is no verdict on the token', async () => {
    const failure = new TypeError('a bug')
    const verifier = { verify: () => Promise.reject(failure), audience: ['api'] } as unknown as Verifier
    const mcp = createMcpTokenVerifier({ verifier, resource: RESOURCE })
    await expect(mcp.verifyAccessToken('t')).rejects.toBe(failure)
  })
})
