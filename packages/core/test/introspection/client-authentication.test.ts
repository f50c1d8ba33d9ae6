import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createTestIssuer } from '@tokenguard/testing'
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose'
import { expectAuthError } from '../support/expect-error.js'
import {
  activeClaims,
  json,
  optionsFor,
  opaqueToken,
  startIntrospectionServer,
  type CapturedRequest,
  type IntrospectionServer,
} from './introspection-server.js'

/** How this API authenticates to the introspection endpoint, seen from the endpoint (RFC 7662 §2.1). */

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
})
afterAll(() => server.close())
afterEach(() => {
  server.requests.length = 0
  server.answer = json(activeClaims())
})

/** Verifies one opaque token with these introspection options and returns the request the endpoint saw. */
async function requestSeen(introspection: Record<string, unknown>, now?: () => number) {
  const verifier = createVerifier(await optionsFor(server, introspection, now ? { now } : {}))
  const token = opaqueToken()
  await verifier.verify(token).catch(() => undefined)
  expect(server.requests).toHaveLength(1)
  return { request: server.requests[0] as CapturedRequest, token }
}

describe('client_secret_basic (the default)', () => {
  it('form-urlencodes id and secret before base64 (RFC 6749 §2.3.1)', async () => {
    const { request } = await requestSeen({ clientId: 'client:1 %é', clientSecret: 'p:a%s s/ü+' })
    const expected = Buffer.from('client%3A1+%25%C3%A9:p%3Aa%25s+s%2F%C3%BC%2B').toString('base64')
    expect(request.headers.authorization).toBe(`Basic ${expected}`)
    expect(request.form.has('client_id')).toBe(false)
    expect(request.form.has('client_secret')).toBe(false)
  })

  it('is understood by an authorization server that decodes the form encoding', async () => {
    const client = { clientId: 'api:orders%', clientSecret: 's3cr:et %25 ü' }
    const issuer = await createTestIssuer({ introspection: client })
    try {
      const verifier = createVerifier({
        issuer: [{ issuer: issuer.url, introspection: client }],
        audience: issuer.audience,
      })
      const { payload } = await verifier.verify(issuer.issueOpaqueToken({ sub: 'alice' }))
      expect(payload.sub).toBe('alice')
    } finally {
      await issuer.close()
    }
  })

  it('posts the token as a form with token_type_hint=access_token, asking for JSON', async () => {
    const { request, token } = await requestSeen({ clientId: 'orders-api', clientSecret: 'secret' })
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/introspect')
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request.headers.accept).toBe('application/json')
    expect(request.form.get('token')).toBe(token)
    expect(request.form.get('token_type_hint')).toBe('access_token')
  })
})

describe('client_secret_post', () => {
  it('sends client_id and client_secret as form fields, and no Authorization header', async () => {
    const { request, token } = await requestSeen({
      clientId: 'orders api',
      clientSecret: 'p:a%s&s=1',
      authMethod: 'client_secret_post',
    })
    expect(request.headers.authorization).toBeUndefined()
    expect(request.form.get('client_id')).toBe('orders api')
    expect(request.form.get('client_secret')).toBe('p:a%s&s=1')
    expect(request.form.get('token')).toBe(token)
    expect([...request.form.keys()].sort()).toEqual([
      'client_id',
      'client_secret',
      'token',
      'token_type_hint',
    ])
  })
})

describe('private_key_jwt (RFC 7523)', () => {
  const NOW_MS = 1_767_225_600_000

  /** Checks the assertion of `request` with `publicKey` and returns its header and claims. */
  async function assertionOf(request: CapturedRequest, publicKey: KeyObject | JWK) {
    expect(request.headers.authorization).toBeUndefined()
    expect(request.form.get('client_id')).toBe('orders-api')
    expect(request.form.get('client_secret')).toBeNull()
    expect(request.form.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    )
    const assertion = request.form.get('client_assertion') as string
    const { payload } = await jwtVerify(assertion, publicKey, {
      issuer: 'orders-api',
      subject: 'orders-api',
      audience: server.issuer,
      currentDate: new Date(NOW_MS),
    })
    return { header: decodeProtectedHeader(assertion), payload }
  }

  it('signs with a private JWK, using its kid and alg; a fresh jti each request', async () => {
    const pair = await generateKeyPair('PS256', { extractable: true })
    const privateKey = { ...(await exportJWK(pair.privateKey)), kid: 'api-key-1', alg: 'PS256' }
    const options = await optionsFor(
      server,
      { clientSecret: undefined, authMethod: 'private_key_jwt', privateKey },
      { now: () => NOW_MS },
    )
    const verifier = createVerifier(options)
    await verifier.verify(opaqueToken()).catch(() => undefined)
    await verifier.verify(opaqueToken()).catch(() => undefined)
    const [first, second] = await Promise.all(
      server.requests.map((request) => assertionOf(request, pair.publicKey as unknown as JWK)),
    )
    expect(first?.header).toEqual({ alg: 'PS256', kid: 'api-key-1' })
    expect(first?.payload.iat).toBe(NOW_MS / 1000)
    expect((first?.payload.exp as number) - (first?.payload.iat as number)).toBe(60)
    expect(typeof first?.payload.jti).toBe('string')
    expect(first?.payload.jti).not.toBe(second?.payload.jti)
  })

  it.each<[string, string, () => { privateKey: KeyObject; publicKey: KeyObject }]>([
    ['an EC P-256 KeyObject', 'ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['an EC P-384 KeyObject', 'ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['an EC P-521 KeyObject', 'ES512', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['an Ed25519 KeyObject', 'EdDSA', () => generateKeyPairSync('ed25519')],
    ['an RSA KeyObject', 'RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ])('signs with %s (alg %s, no kid)', async (_, alg, make) => {
    const { privateKey, publicKey } = make()
    const { request } = await requestSeen(
      { clientSecret: undefined, authMethod: 'private_key_jwt', privateKey },
      () => NOW_MS,
    )
    const { header, payload } = await assertionOf(request, publicKey)
    expect(header).toEqual({ alg })
    expect((payload.exp as number) - (payload.iat as number)).toBe(60)
  })

  it.each<[string, string, string]>([
    ['an EC JWK', 'ES256', 'ES256'],
    ['an OKP JWK', 'EdDSA', 'EdDSA'],
    ['an RSA JWK', 'RS256', 'RS256'],
  ])('infers the algorithm of %s without "alg"', async (_, generateAs, alg) => {
    const pair = await generateKeyPair(generateAs, { extractable: true })
    const privateKey = await exportJWK(pair.privateKey)
    const { request } = await requestSeen(
      { clientSecret: undefined, authMethod: 'private_key_jwt', privateKey },
      () => NOW_MS,
    )
    const { header } = await assertionOf(request, pair.publicKey as unknown as JWK)
    expect(header.alg).toBe(alg)
  })

  it('answers 503 (never a crash) when the key cannot sign with its declared alg', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    const privateKey = { ...(await exportJWK(pair.privateKey)), alg: 'RS256' }
    const verifier = createVerifier(
      await optionsFor(server, { clientSecret: undefined, authMethod: 'private_key_jwt', privateKey }),
    )
    await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
    expect(server.requests).toHaveLength(0)
  })
})

describe('the request is not redirected', () => {
  it('refuses a 302 (503) and never sends the token or credentials to the Location', async () => {
    const elsewhere = await startIntrospectionServer()
    try {
      server.answer = (_request, res) => void res.writeHead(302, { location: elsewhere.endpoint }).end()
      const verifier = createVerifier(await optionsFor(server))
      await expectAuthError(verifier.verify(opaqueToken()), 'introspection_unavailable')
      expect(server.requests).toHaveLength(1)
      expect(elsewhere.requests).toHaveLength(0)
    } finally {
      await elsewhere.close()
    }
  })
})
