import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { startJwksServer, type JwksServer } from './support/jwks-server.js'
import { claims, makeKey, NOW, sign, type TestKey } from './support/keys.js'

describe('smoke', () => {
  let server: JwksServer
  let key: TestKey
  beforeAll(async () => {
    key = await makeKey('RS256')
    server = await startJwksServer([key.publicJwk])
  })
  afterAll(() => server.close())

  it('verifies a token through discovery', async () => {
    const verifier = createVerifier({ issuer: server.issuer, audience: 'api', now: () => NOW * 1000 })
    const token = await sign(key, claims({ iss: server.issuer, aud: 'api' }))
    const { payload } = await verifier.verify(token)
    expect(payload.sub).toBe('user-1')
    const [h, p, s] = token.split('.') as [string, string, string]
    const flipped = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`
    await expect(verifier.verify(flipped)).rejects.toMatchObject({ code: 'signature_invalid', status: 401 })
  })
})
