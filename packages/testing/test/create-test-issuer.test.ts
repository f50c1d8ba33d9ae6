import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createTestIssuer, type SigningAlgorithm, type TestIssuer } from '@tokenguard/testing'
import { decodeJwt, decodeProtectedHeader } from 'jose'

const NOW_MS = Date.UTC(2026, 0, 1)

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

function verifierFor(issuer: TestIssuer, extra: Record<string, unknown> = {}) {
  return createVerifier({ issuer: issuer.url, audience: issuer.audience, cache: false, ...extra })
}

describe('createTestIssuer', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer({ now: () => NOW_MS })
  })
  afterAll(() => issuer.close())

  it('serves OpenID and RFC 8414 discovery documents naming its JWK Set', async () => {
    expect(issuer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const openid = await getJson(issuer.discoveryUri)
    expect(openid.status).toBe(200)
    expect(openid.body).toMatchObject({ issuer: issuer.url, jwks_uri: issuer.jwksUri })
    const oauth = await getJson(`${issuer.url}/.well-known/oauth-authorization-server`)
    expect(oauth.body).toMatchObject({ issuer: issuer.url, jwks_uri: issuer.jwksUri })
    expect((await fetch(`${issuer.url}/nope`)).status).toBe(404)
  })

  it('publishes only public keys', async () => {
    const { status, body } = await getJson(issuer.jwksUri)
    expect(status).toBe(200)
    const keys = body.keys as Record<string, unknown>[]
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: issuer.kid })
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(secret)
    expect(issuer.jwks()).toEqual(body)
  })

  it('signs RS256 tokens with default claims that the core verifies through discovery', async () => {
    const token = await issuer.sign({ scope: 'read:items' })
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: issuer.kid, typ: 'JWT' })
    const { payload } = await verifierFor(issuer, { now: () => NOW_MS }).verify(token)
    expect(payload).toMatchObject({
      iss: issuer.url,
      aud: 'https://api.test',
      sub: 'test-user',
      scope: 'read:items',
      iat: NOW_MS / 1000,
      exp: NOW_MS / 1000 + 3600,
    })
    expect(typeof payload.jti).toBe('string')
  })

  it('lets claims override defaults and leaves out a claim set to undefined', async () => {
    const token = await issuer.sign({ sub: 'alice', jti: undefined, aud: ['a', 'b'] })
    const payload = decodeJwt(token)
    expect(payload.sub).toBe('alice')
    expect(payload.aud).toEqual(['a', 'b'])
    expect(payload).not.toHaveProperty('jti')
  })

  it('applies expiresIn, audience, typ and header options', async () => {
    const verifier = verifierFor(issuer, { now: () => NOW_MS })
    const expired = await issuer.sign({}, { expiresIn: -60 })
    await expect(verifier.verify(expired)).rejects.toMatchObject({ code: 'token_expired' })
    const noExp = decodeJwt(await issuer.sign({}, { expiresIn: null }))
    expect(noExp).not.toHaveProperty('exp')
    const otherAud = await issuer.sign({}, { audience: 'other' })
    await expect(verifier.verify(otherAud)).rejects.toMatchObject({ code: 'claim_invalid' })
    expect(decodeJwt(await issuer.sign({}, { audience: null }))).not.toHaveProperty('aud')
    const unknownKid = await issuer.sign({}, { header: { kid: 'unknown' } })
    await expect(verifier.verify(unknownKid)).rejects.toMatchObject({ code: 'key_not_found' })
    expect(decodeProtectedHeader(await issuer.sign({}, { typ: null }))).not.toHaveProperty('typ')
  })

  it('signs RFC 9068 access tokens with typ at+jwt', async () => {
    const token = await issuer.sign({}, { typ: 'at+jwt' })
    const verifier = verifierFor(issuer, { now: () => NOW_MS, tokenType: 'at+jwt' })
    const { payload, header } = await verifier.verify(token)
    expect(header.typ).toBe('at+jwt')
    expect(payload.client_id).toBe('test-client')
  })

  it('rejects unsupported algorithms and bad options', async () => {
    await expect(issuer.sign({}, { alg: 'HS256' as SigningAlgorithm })).rejects.toThrow(TypeError)
    await expect(createTestIssuer({ alg: 'none' as SigningAlgorithm })).rejects.toThrow(/"alg"/)
    await expect(createTestIssuer({ expiresIn: Number.NaN })).rejects.toThrow(/"expiresIn"/)
    await expect(createTestIssuer({ path: 'no-slash' })).rejects.toThrow(/"path"/)
  })
})

describe('algorithms on request', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer()
  })
  afterAll(() => issuer.close())

  const algs: SigningAlgorithm[] = ['RS384', 'PS256', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']
  it.each(algs)('%s: makes, publishes and signs with a key of that algorithm', async (alg) => {
    const token = await issuer.sign({}, { alg })
    expect(decodeProtectedHeader(token).alg).toBe(alg)
    const verifier = verifierFor(issuer, { algorithms: [alg] })
    const { header } = await verifier.verify(token)
    expect(header.alg).toBe(alg)
  })

  it('makes one key per algorithm even under concurrent first use', async () => {
    const fresh = await createTestIssuer()
    try {
      const tokens = await Promise.all([1, 2, 3].map(() => fresh.sign({}, { alg: 'ES256' })))
      expect(new Set(tokens.map((token) => decodeProtectedHeader(token).kid)).size).toBe(1)
      expect(fresh.jwks().keys).toHaveLength(2)
    } finally {
      await fresh.close()
    }
  })
})

describe('rotate', () => {
  it('signs with a new key and retires the old one by default', async () => {
    const issuer = await createTestIssuer()
    try {
      const oldKid = issuer.kid
      const oldToken = await issuer.sign()
      await issuer.rotate()
      expect(issuer.kid).not.toBe(oldKid)
      const newToken = await issuer.sign()
      expect(decodeProtectedHeader(newToken).kid).toBe(issuer.kid)
      expect(issuer.jwks().keys.map((key) => key.kid)).toEqual([issuer.kid])
      const verifier = verifierFor(issuer)
      await expect(verifier.verify(newToken)).resolves.toMatchObject({ header: { kid: issuer.kid } })
      await expect(verifier.verify(oldToken)).rejects.toMatchObject({ code: 'key_not_found' })
    } finally {
      await issuer.close()
    }
  })

  it('keeps the old keys published with retire: false', async () => {
    const issuer = await createTestIssuer()
    try {
      const oldToken = await issuer.sign()
      await issuer.sign({}, { alg: 'ES256' })
      await issuer.rotate({ retire: false })
      expect(issuer.jwks().keys).toHaveLength(4)
      const verifier = verifierFor(issuer)
      await expect(verifier.verify(oldToken)).resolves.toBeDefined()
      await expect(verifier.verify(await issuer.sign({}, { alg: 'ES256' }))).resolves.toBeDefined()
      await issuer.rotate()
      expect(issuer.jwks().keys).toHaveLength(2)
    } finally {
      await issuer.close()
    }
  })
})

describe('path, hits and close', () => {
  it('serves an issuer with a path, like Keycloak realms', async () => {
    const issuer = await createTestIssuer({ path: '/realms/test', audience: 'account' })
    try {
      expect(issuer.url).toMatch(/\/realms\/test$/)
      const { body } = await getJson(`${issuer.url}/.well-known/openid-configuration`)
      expect(body.issuer).toBe(issuer.url)
      const verifier = createVerifier({ issuer: issuer.url, audience: 'account' })
      await expect(verifier.verify(await issuer.sign())).resolves.toBeDefined()
      expect(issuer.hits.get('/realms/test/jwks')).toBe(1)
    } finally {
      await issuer.close()
    }
  })

  it('stops serving on close, while signing still works (for outage tests)', async () => {
    const issuer = await createTestIssuer()
    await issuer.close()
    await issuer.close()
    await expect(fetch(issuer.jwksUri)).rejects.toThrow()
    const token = await issuer.sign()
    const verifier = createVerifier({
      issuer: issuer.url,
      audience: issuer.audience,
      jwks: { timeout: 1000 },
    })
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable', status: 503 })
  })
})
