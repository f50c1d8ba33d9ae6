import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type IntrospectionOptions, type Verifier } from '@tokenguard/core'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { expectAuthError } from '../support/expect-error.js'
import { b64url } from '../support/keys.js'

/** Tokens judged by a real issuer's introspection endpoint: opaque ones, and JWTs with `tokens: 'all'`. */

const CLIENT = { clientId: 'orders-api', clientSecret: 'introspection-secret' }
let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ introspection: CLIENT })
})
afterAll(() => issuer.close())

const introspections = () => issuer.hits.get('/introspect') ?? 0

function verifierWith(introspection: Partial<IntrospectionOptions> = {}): Verifier {
  return createVerifier({
    issuer: [{ issuer: issuer.url, introspection: { ...CLIENT, ...introspection } }],
    audience: issuer.audience,
  })
}

describe('an opaque token', () => {
  it('is authenticated by the answer: payload = the answer, header = {}, token = the opaque token', async () => {
    const token = issuer.issueOpaqueToken({ sub: 'alice', scope: 'orders:read' })
    const result = await verifierWith().verify(token)
    expect(result.token).toBe(token)
    expect(result.header).toEqual({})
    expect(result.payload).toMatchObject({
      active: true,
      token_type: 'Bearer',
      iss: issuer.url,
      aud: issuer.audience,
      sub: 'alice',
      scope: 'orders:read',
    })
    expect(Object.isFrozen(result.payload)).toBe(true)
  })

  it('is refused with token_inactive once revoked, at the next request (no cache by default)', async () => {
    const verifier = verifierWith()
    const token = issuer.issueOpaqueToken()
    await verifier.verify(token)
    issuer.revokeToken(token)
    const before = introspections()
    await expectAuthError(verifier.verify(token), 'token_inactive')
    expect(introspections()).toBe(before + 1)
  })

  it('is refused with token_inactive when the server does not know it, or it has expired there', async () => {
    const verifier = verifierWith()
    await expectAuthError(verifier.verify('unknown-opaque-token-value'), 'token_inactive')
    await expectAuthError(verifier.verify(issuer.issueOpaqueToken({}, { expiresIn: -5 })), 'token_inactive')
  })

  it('goes to the introspection_endpoint of discovery, discovered once', async () => {
    const discovery = () =>
      (issuer.hits.get('/.well-known/openid-configuration') ?? 0) +
      (issuer.hits.get('/.well-known/oauth-authorization-server') ?? 0)
    const verifier = verifierWith()
    const before = discovery()
    await verifier.verify(issuer.issueOpaqueToken())
    await verifier.verify(issuer.issueOpaqueToken())
    await Promise.all([
      verifier.verify(issuer.issueOpaqueToken()),
      verifier.verify(issuer.issueOpaqueToken()),
    ])
    expect(discovery()).toBe(before + 1)
  })

  it('goes to a configured endpoint without any discovery', async () => {
    const verifier = verifierWith({ endpoint: issuer.introspectionEndpoint as string })
    const before = issuer.hits.get('/.well-known/openid-configuration') ?? 0
    await verifier.verify(issuer.issueOpaqueToken())
    expect(issuer.hits.get('/.well-known/openid-configuration') ?? 0).toBe(before)
  })

  it('is a malformed JWT when no issuer introspects (no request anywhere)', async () => {
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience })
    const before = introspections()
    await expectAuthError(verifier.verify(issuer.issueOpaqueToken()), 'token_malformed')
    expect(introspections()).toBe(before)
  })
})

describe('which strings are opaque', () => {
  it('sends three dotted segments whose header is not JSON to introspection', async () => {
    const before = introspections()
    await expectAuthError(verifierWith().verify('abc.def.ghi'), 'token_inactive')
    expect(introspections()).toBe(before + 1)
  })

  it('judges a string with a JSON header as a JWT, never introspected', async () => {
    const before = introspections()
    const header = b64url('{"alg":"ES256"}')
    await expectAuthError(verifierWith().verify(`${header}.${b64url('not json')}.c2ln`), 'token_malformed')
    // Claims without `iss`: an untrusted issuer, even for a verifier with a single introspecting issuer.
    await expectAuthError(verifierWith().verify(`${header}.e30.c2ln`), 'claim_invalid')
    await expectAuthError(verifierWith({ tokens: 'all' }).verify(`${header}.e30.c2ln`), 'claim_invalid')
    expect(introspections()).toBe(before)
  })

  it('refuses a mangled JWT (quoted, padded, spaced, standard base64) without sending it anywhere', async () => {
    const jwt = await issuer.sign()
    const [head, body, signature] = jwt.split('.') as [string, string, string]
    const padded = `${Buffer.from(head, 'base64url').toString('base64')}.${body}.${signature}`
    const before = introspections()
    for (const mangled of [`"${jwt}"`, ` ${jwt}`, `${jwt}\t`, `'${jwt}'`, padded])
      await expectAuthError(verifierWith().verify(mangled), 'token_malformed')
    expect(introspections()).toBe(before)
  })

  it('sends a dotted string whose first part decodes to JSON that is no object, or to no JSON', async () => {
    const before = introspections()
    for (const opaque of [`${b64url('[1]')}.a.b`, `${b64url('"x"')}.a.b`, `${b64url('{x')}.a.b`])
      await expectAuthError(verifierWith().verify(opaque), 'token_inactive')
    expect(introspections()).toBe(before + 3)
  })
})

describe("tokens: 'opaque' (the default) and JWTs", () => {
  it('verifies the issuer’s JWTs locally, without an introspection request', async () => {
    const before = introspections()
    const token = await issuer.sign({ sub: 'bob' })
    const result = await verifierWith().verify(token)
    expect(result.header.alg).toBe('RS256')
    expect(result.payload).not.toHaveProperty('active')
    issuer.revokeToken(token)
    await verifierWith().verify(token)
    expect(introspections()).toBe(before)
  })
})

describe("tokens: 'all'", () => {
  it('sends the issuer’s JWTs to introspection; the answer is the payload, the header {}', async () => {
    const verifier = verifierWith({ tokens: 'all' })
    const token = await issuer.sign({ sub: 'carol' })
    const before = introspections()
    const result = await verifier.verify(token)
    expect(introspections()).toBe(before + 1)
    expect(result.header).toEqual({})
    expect(result.payload).toMatchObject({ active: true, sub: 'carol' })
    expect(result.token).toBe(token)
  })

  it('refuses a revoked JWT at once, though its signature is still valid', async () => {
    const verifier = verifierWith({ tokens: 'all' })
    const token = await issuer.sign()
    await verifier.verify(token)
    issuer.revokeToken(token)
    await expectAuthError(verifier.verify(token), 'token_inactive')
  })

  it('still introspects opaque tokens', async () => {
    const result = await verifierWith({ tokens: 'all' }).verify(issuer.issueOpaqueToken({ sub: 'dan' }))
    expect(result.payload.sub).toBe('dan')
  })

  it('verifies JWTs of another issuer locally, never sending them to this endpoint', async () => {
    const other = await createTestIssuer()
    try {
      const verifier = createVerifier({
        issuer: [{ issuer: issuer.url, introspection: { ...CLIENT, tokens: 'all' } }, { issuer: other.url }],
        audience: issuer.audience,
      })
      const before = introspections()
      const result = await verifier.verify(await other.sign({ sub: 'erin' }))
      expect(result.header.alg).toBe('RS256')
      expect(introspections()).toBe(before)
    } finally {
      await other.close()
    }
  })
})
