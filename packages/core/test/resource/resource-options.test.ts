import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  createAuthenticator,
  createVerifier,
  requireAnyScope,
  requireRoles,
  requireScopes,
  type AuthenticatorOptions,
  type Verifier,
} from '@tokenguard/core'
import { createDpopClient } from '@tokenguard/testing'
import { expectAuthError, expectAuthErrorSync, expectConfigError } from '../support/expect-error.js'
import { claims, ISSUER, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

type Options = AuthenticatorOptions<object>

const RESOURCE = 'https://mcp.example.com/mcp'
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
let key: TestKey
beforeAll(async () => {
  key = await makeKey('ES256')
})

const base = () => ({ issuer: ISSUER, keys: key.publicJwk, now: () => NOW * 1000 })
const make = (extra: Record<string, unknown>) =>
  createAuthenticator<object>({ ...base(), ...extra } as unknown as Options)
const bearer = (token: string) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } })
const none = { method: 'GET', headers: {} }

describe('resource as the audience', () => {
  it('accepts a token for the resource and refuses one for another audience', async () => {
    const authenticator = make({ resource: RESOURCE })
    const auth = await authenticator.authenticate({}, bearer(await sign(key, claims({ aud: RESOURCE }))))
    expect(auth?.payload.aud).toBe(RESOURCE)
    expect(authenticator.verifier.audience).toEqual([RESOURCE])
    const other = await sign(key, claims({ aud: 'https://other.example.com' }))
    await expectAuthError(authenticator.authenticate({}, bearer(other)), 'claim_invalid')
  })

  it('lets an explicit audience win over the resource (Entra, Cognito)', async () => {
    const authenticator = make({ resource: RESOURCE, audience: 'api://entra-app' })
    await expect(
      authenticator.authenticate({}, bearer(await sign(key, claims({ aud: 'api://entra-app' })))),
    ).resolves.not.toBeNull()
    await expectAuthError(
      authenticator.authenticate({}, bearer(await sign(key, claims({ aud: RESOURCE })))),
      'claim_invalid',
    )
  })

  it('keeps the verifier audience check next to a shared verifier, and refuses one that skips it', () => {
    const verifier = createVerifier({ ...base(), audience: 'api' })
    expect(shared({ verifier, resource: RESOURCE }).verifier).toBe(verifier)
    const open = createVerifier({ ...base(), audience: null })
    expect(open.audience).toBeNull()
    expectConfigError(() => shared({ verifier: open, resource: RESOURCE }), 'verifier')
    const handMade = { verifyNow: () => undefined, realm: undefined } as unknown as Verifier
    expectConfigError(() => shared({ verifier: handMade, resource: RESOURCE }), 'verifier')
    // Without `resource`, a hand-made verifier stays allowed as before.
    expect(shared({ verifier: handMade }).verifier).toBe(handMade)
  })

  it('still requires an audience without a resource, and checks the resource', () => {
    expectConfigError(() => make({}), 'audience')
    expectConfigError(() => make({ resource: 'not a url' }), 'resource')
    expectConfigError(() => make({ resource: RESOURCE, resourceMetadata: 'x' }), 'resourceMetadata')
    expectConfigError(() => make({ audience: 'api', resourceMetadata: {} }), 'resource')
  })

  it('makes the origin of an https resource the default publicOrigin (the URI DPoP proofs name)', async () => {
    const client = await createDpopClient()
    const dpopRequest = async (resource: string, url: string) => {
      const token = await sign(key, claims({ aud: resource, cnf: { jkt: client.thumbprint } }))
      const proof = await client.proof({ url, accessToken: token })
      return { method: 'GET', headers: { authorization: `DPoP ${token}`, dpop: proof }, url: '/mcp' }
    }
    // No adapter hook: only a public origin can say where the request was sent.
    const https = make({ resource: RESOURCE })
    await expect(https.authenticate({}, await dpopRequest(RESOURCE, RESOURCE))).resolves.toMatchObject({
      binding: { method: 'dpop' },
    })
    const local = 'http://127.0.0.1:1/mcp'
    await expectAuthError(
      make({ resource: local }).authenticate({}, await dpopRequest(local, local)),
      'dpop_proof_invalid',
    )
    // An explicit publicOrigin wins, and is checked.
    const proxied = make({ resource: RESOURCE, publicOrigin: 'https://proxy.example.com' })
    await expectAuthError(
      proxied.authenticate({}, await dpopRequest(RESOURCE, RESOURCE)),
      'dpop_proof_invalid',
    )
    expectConfigError(() => make({ resource: RESOURCE, publicOrigin: 'ftp://x' }), 'publicOrigin')
  })
})

describe('challenges with resourceMetadata', () => {
  it('carries resource_metadata in the 401 of a request without a token, DPoP on or off', async () => {
    const plain = make({ resource: RESOURCE, resourceMetadata: {}, dpop: { mode: 'disabled' }, realm: 'mcp' })
    expect(plain.challenge).toEqual({ realm: 'mcp', resourceMetadata: METADATA })
    expect(plain.resource?.metadataUrl).toBe(METADATA)
    const error = expectAuthErrorSync(() => plain.authenticateNow({}, none), 'credentials_required')
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="mcp", resource_metadata="${METADATA}"`)
    const dpop = make({ resource: RESOURCE, resourceMetadata: {} })
    const both = expectAuthErrorSync(() => dpop.authenticateNow({}, none), 'credentials_required')
    expect(both.headers['WWW-Authenticate']).toMatch(
      new RegExp(`^Bearer resource_metadata="${METADATA}", DPoP resource_metadata="${METADATA}", algs=`),
    )
  })

  it('carries it in a 401 invalid_token, synchronous or not, and in a 400', async () => {
    const plain = make({ resource: RESOURCE, resourceMetadata: {}, dpop: { mode: 'disabled' } })
    const expired = await sign(key, claims({ aud: RESOURCE, exp: NOW - 100 }))
    const error = await expectAuthError(plain.authenticate({}, bearer(expired)), 'token_expired')
    expect(error.headers['WWW-Authenticate']).toBe(
      `Bearer error="invalid_token", error_description="The access token expired", resource_metadata="${METADATA}"`,
    )
    const twice = { method: 'GET', headers: { authorization: 'Bearer a b' } }
    const malformed = expectAuthErrorSync(() => plain.authenticateNow({}, twice), 'invalid_request')
    expect(malformed.headers['WWW-Authenticate']).toContain(`resource_metadata="${METADATA}"`)
  })

  it('passes a valid token, and a request without one with credentialsRequired: false', async () => {
    const plain = make({
      resource: RESOURCE,
      resourceMetadata: {},
      dpop: { mode: 'disabled' },
      credentialsRequired: false,
    })
    expect(plain.authenticateNow({}, none)).toBeNull()
    const token = await sign(key, claims({ aud: RESOURCE }))
    expect((await plain.authenticate({}, bearer(token)))?.token).toBe(token)
    // A cached token is answered synchronously.
    expect(plain.authenticateNow({}, bearer(token))).not.toBeInstanceOf(Promise)
  })

  it('leaves challenges alone without resourceMetadata', () => {
    const plain = make({ resource: RESOURCE, dpop: { mode: 'disabled' } })
    expect(plain.resource).toBeUndefined()
    const error = expectAuthErrorSync(() => plain.authenticateNow({}, none), 'credentials_required')
    expect(error.headers['WWW-Authenticate']).toBe('Bearer')
  })
})

describe('guards with resourceMetadata', () => {
  const challenge = { resourceMetadata: METADATA }

  it('send the route scopes in their 401 and 403', async () => {
    const missing = expectAuthErrorSync(
      () => requireScopes('tools:call')(null, challenge),
      'credentials_required',
    )
    expect(missing.headers['WWW-Authenticate']).toBe(
      `Bearer scope="tools:call", resource_metadata="${METADATA}"`,
    )
    const auth = { payload: { scope: 'other' }, header: { alg: 'ES256' }, token: 't' }
    const denied = expectAuthErrorSync(() => requireAnyScope('a', 'b')(auth, challenge), 'insufficient_scope')
    expect(denied.headers['WWW-Authenticate']).toBe(
      `Bearer error="insufficient_scope", error_description="The access token lacks the required permissions", scope="a b", resource_metadata="${METADATA}"`,
    )
  })

  it('send no scope in the 401 of a guard that names none, nor without resourceMetadata', () => {
    const roles = expectAuthErrorSync(() => requireRoles('admin')(null, challenge), 'credentials_required')
    expect(roles.headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${METADATA}"`)
    const plain = expectAuthErrorSync(() => requireScopes('a')(null, {}), 'credentials_required')
    expect(plain.headers['WWW-Authenticate']).toBe('Bearer')
  })
})

/** An authenticator around a shared verifier. */
function shared(options: Record<string, unknown>) {
  return createAuthenticator<object>(options as unknown as Options)
}
