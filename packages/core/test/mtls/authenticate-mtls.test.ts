import { beforeAll, describe, expect, it } from '@jest/globals'
import { X509Certificate } from 'node:crypto'
import {
  AuthError,
  createAuthenticator,
  type AuthenticatorOptions,
  type ClientCertificate,
} from '@tokenguard/core'
import { createDpopClient, type DpopClient } from '@tokenguard/testing'
import { expectAuthError, expectAuthErrorSync } from '../support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from '../support/keys.js'
import { makeTestCertificate, type TestCertificate } from './support/tls-certificates.js'

/** A request as the tests model it: the certificate its TLS socket holds, and its URL for DPoP. */
interface Req {
  certificate?: ClientCertificate
  header?: string
}

const URL_ = 'https://api.example.com/items'
let key: TestKey
let cert: TestCertificate
let other: TestCertificate
let client: DpopClient
let certBound: string
let unbound: string
let bothBound: string
let socketReads: number

beforeAll(async () => {
  key = await makeKey('ES256')
  cert = makeTestCertificate('client-a')
  other = makeTestCertificate('client-b')
  client = await createDpopClient()
  certBound = await sign(key, claims({ cnf: { 'x5t#S256': cert.thumbprint } }))
  unbound = await sign(key, claims())
  bothBound = await sign(key, claims({ cnf: { jkt: client.thumbprint, 'x5t#S256': cert.thumbprint } }))
})

const hooks = {
  requestUrl: () => ({ protocol: 'https', host: 'api.example.com', path: '/items' }),
  clientCertificate: (req: Req) => {
    socketReads++
    return req.certificate
  },
}
const make = (extra: Partial<AuthenticatorOptions<Req>> = {}, withHooks: object = hooks) =>
  createAuthenticator<Req>(
    {
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => NOW * 1000,
      ...extra,
    } as AuthenticatorOptions<Req>,
    withHooks,
  )
const bearer = (token: string) => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } })
const withProof = async (token: string) => ({
  method: 'GET',
  headers: { authorization: `DPoP ${token}`, dpop: await client.proof({ url: URL_, accessToken: token }) },
})

describe('certificate-bound tokens sent as Bearer', () => {
  it('pass with the certificate they are bound to, whatever form the socket gives', async () => {
    const authenticator = make()
    for (const certificate of [new X509Certificate(cert.pem), cert.der, cert.pem]) {
      const auth = await authenticator.authenticate({ certificate }, bearer(certBound))
      expect(auth?.binding).toEqual({ method: 'mtls', thumbprint: cert.thumbprint })
      expect(Object.isFrozen(auth)).toBe(true)
    }
  })

  it('answer synchronously once the token is cached (the socket is read synchronously)', async () => {
    const authenticator = make()
    const request = { certificate: cert.der }
    await authenticator.authenticate(request, bearer(certBound))
    const outcome = authenticator.authenticateNow(request, bearer(certBound))
    expect(outcome).not.toBeInstanceOf(Promise)
    expect((outcome as { binding?: unknown }).binding).toEqual({
      method: 'mtls',
      thumbprint: cert.thumbprint,
    })
    expectAuthErrorSync(
      () => authenticator.authenticateNow({ certificate: other.der }, bearer(certBound)),
      'binding_mismatch',
    )
  })

  it('are refused without a certificate: binding_mismatch, 401 invalid_token, the bound thumbprint in the reason', async () => {
    const error = await expectAuthError(make().authenticate({}, bearer(certBound)), 'binding_mismatch')
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/)
    expect(error.reason).toMatchObject({ check: 'cnf', expected: cert.thumbprint })
    expect(error.reason.actual).toBeUndefined()
  })

  it('are refused with another certificate, both thumbprints in the reason', async () => {
    const error = await expectAuthError(
      make().authenticate({ certificate: other.pem }, bearer(certBound)),
      'binding_mismatch',
    )
    expect(error.reason).toMatchObject({ expected: cert.thumbprint, actual: other.thumbprint })
  })

  it('are refused when the certificate source gives something that is no certificate', async () => {
    await expectAuthError(
      make().authenticate({ certificate: 'garbage' }, bearer(certBound)),
      'binding_mismatch',
    )
  })

  it('are refused without an adapter hook or getCertificate (no certificate source at all)', async () => {
    await expectAuthError(
      make({}, {}).authenticate({ certificate: cert.der }, bearer(certBound)),
      'binding_mismatch',
    )
  })

  it('are refused as binding_unverified with mtls.mode "disabled"', async () => {
    await expectAuthError(
      make({ mtls: { mode: 'disabled' } }).authenticate({ certificate: cert.der }, bearer(certBound)),
      'binding_unverified',
    )
  })

  it('carry the realm when DPoP is disabled too', async () => {
    const error = await expectAuthError(
      make({ realm: 'api', dpop: { mode: 'disabled' } }).authenticate({}, bearer(certBound)),
      'binding_mismatch',
    )
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/)
  })
})

describe('plain bearer tokens', () => {
  it('never read the certificate (hot path) and get no binding', async () => {
    socketReads = 0
    const authenticator = make()
    const auth = await authenticator.authenticate({ certificate: cert.der }, bearer(unbound))
    expect(auth?.binding).toBeUndefined()
    expect(authenticator.authenticateNow({}, bearer(unbound))).not.toBeInstanceOf(Promise)
    expect(socketReads).toBe(0)
  })

  it('are refused with mtls.mode "required", without reading the certificate', async () => {
    socketReads = 0
    const error = await expectAuthError(
      make({ mtls: { mode: 'required' } }).authenticate({ certificate: cert.der }, bearer(unbound)),
      'binding_mismatch',
    )
    expect(error.reason.message).toContain('required')
    expect(socketReads).toBe(0)
  })

  it('mtls.mode "required" still passes a certificate-bound token with its certificate', async () => {
    const auth = await make({ mtls: { mode: 'required' } }).authenticate(
      { certificate: cert.der },
      bearer(certBound),
    )
    expect(auth?.binding?.method).toBe('mtls')
  })
})

describe('getCertificate', () => {
  it('replaces the socket, sync or async, in any certificate form', async () => {
    socketReads = 0
    for (const getCertificate of [
      (req: Req) => req.header,
      async (req: Req) => req.header,
      (req: Req) => new X509Certificate(req.header as string),
      (req: Req) => Buffer.from(new X509Certificate(req.header as string).raw),
    ]) {
      const authenticator = make({ mtls: { getCertificate } })
      const auth = await authenticator.authenticate(
        { header: cert.pem, certificate: other.der },
        bearer(certBound),
      )
      expect(auth?.binding).toEqual({ method: 'mtls', thumbprint: cert.thumbprint })
      await expectAuthError(
        authenticator.authenticate({ header: other.pem }, bearer(certBound)),
        'binding_mismatch',
      )
    }
    expect(socketReads).toBe(0)
  })

  it.each([
    ['null', () => null],
    ['undefined', () => undefined],
    ['a promise of null', async () => null],
  ])('answering %s means no certificate', async (_name, getCertificate) => {
    await expectAuthError(
      make({ mtls: { getCertificate } }).authenticate({}, bearer(certBound)),
      'binding_mismatch',
    )
  })

  it('that throws is the app’s bug: the error goes on (a 500), never a pass or a 401', async () => {
    const boom = new Error('header missing')
    const throwing = make({
      mtls: {
        getCertificate: () => {
          throw boom
        },
      },
    })
    await expect(throwing.authenticate({}, bearer(certBound))).rejects.toBe(boom)
    await expect(
      make({ mtls: { getCertificate: async () => Promise.reject(boom) } }).authenticate(
        {},
        bearer(certBound),
      ),
    ).rejects.toBe(boom)
  })

  it('that fails with a non-Error gets an Error keeping it as cause', async () => {
    for (const [getCertificate, failure] of [
      [
        () => {
          throw 'oops'
        },
        'oops',
      ],
      [() => Promise.reject(undefined as unknown as Error), undefined],
    ] as const) {
      const error = await make({ mtls: { getCertificate: getCertificate as () => undefined } })
        .authenticate({}, bearer(certBound))
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(error).toBeInstanceOf(Error)
      expect(error).not.toBeInstanceOf(AuthError)
      expect((error as Error).message).toBe('tokenguard: mtls.getCertificate failed')
      expect((error as Error).cause).toBe(failure)
    }
  })
})

describe('with DPoP', () => {
  it('a token bound both ways passes with its proof and its certificate; binding is the DPoP one plus the certificate', async () => {
    const auth = await make().authenticate({ certificate: cert.der }, await withProof(bothBound))
    expect(auth?.binding).toEqual({
      method: 'dpop',
      thumbprint: client.thumbprint,
      certificateThumbprint: cert.thumbprint,
    })
  })

  it('a token bound both ways fails with the proof and another or no certificate', async () => {
    await expectAuthError(
      make().authenticate({ certificate: other.der }, await withProof(bothBound)),
      'binding_mismatch',
    )
    const error = await expectAuthError(
      make().authenticate({}, await withProof(bothBound)),
      'binding_mismatch',
    )
    expect(error.headers['WWW-Authenticate']).toMatch(/DPoP error="invalid_token"/)
  })

  it('a token bound both ways sent as Bearer is a binding_mismatch (its proof is missing), even with the certificate', async () => {
    const error = await expectAuthError(
      make().authenticate({ certificate: cert.der }, bearer(bothBound)),
      'binding_mismatch',
    )
    expect(error.reason.message).toContain('DPoP-bound')
  })

  it('a token bound both ways is binding_unverified when mTLS is disabled', async () => {
    await expectAuthError(
      make({ mtls: { mode: 'disabled' } }).authenticate(
        { certificate: cert.der },
        await withProof(bothBound),
      ),
      'binding_unverified',
    )
  })

  it('a certificate-bound token sent with a DPoP proof is checked against the certificate too', async () => {
    const auth = await make().authenticate({ certificate: cert.der }, await withProof(certBound))
    expect(auth?.binding).toEqual({
      method: 'dpop',
      thumbprint: client.thumbprint,
      certificateThumbprint: cert.thumbprint,
    })
    await expectAuthError(make().authenticate({}, await withProof(certBound)), 'binding_mismatch')
  })

  it('mtls.mode "required" refuses a DPoP-only token even with a valid proof', async () => {
    const dpopOnly = await sign(key, claims({ cnf: { jkt: client.thumbprint } }))
    await expectAuthError(
      make({ mtls: { mode: 'required' } }).authenticate({ certificate: cert.der }, await withProof(dpopOnly)),
      'binding_mismatch',
    )
  })

  it('an unbound token with a proof needs no certificate', async () => {
    socketReads = 0
    const auth = await make().authenticate({}, await withProof(unbound))
    expect(auth?.binding).toEqual({ method: 'dpop', thumbprint: client.thumbprint })
    expect(socketReads).toBe(0)
  })
})
