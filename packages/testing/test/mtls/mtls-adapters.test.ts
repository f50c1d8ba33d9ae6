import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { parseClientCertHeader, parseEnvoyXfcc, parseNginxClientCert } from '@tokenguard/core'
import { createDpopClient, createTestIssuer, type DpopClient, type TestIssuer } from '@tokenguard/testing'
import * as expressAdapter from '@tokenguard/express'
import * as fastifyAdapter from '@tokenguard/fastify'
import * as koaAdapter from '@tokenguard/koa'
import * as nestAdapter from '@tokenguard/nestjs'
import {
  clientCertHeader,
  envoyHeader,
  makeTestCertificate,
  nginxHeader,
  type TestCertificate,
} from '../../../core/test/mtls/support/tls-certificates.js'
import { HTTPS_APPS, httpsGet, type HttpsApp } from './https-apps.js'

/**
 * Certificate-bound access tokens (RFC 8705) through every framework, over real HTTPS with client
 * certificates made at test time: the app terminating TLS itself, and behind each proxy header form.
 */

let issuer: TestIssuer
let server: TestCertificate
let clientA: TestCertificate
let clientB: TestCertificate
let boundToA: string
let plain: string
let dpopClient: DpopClient
let boundBothWays: string

beforeAll(async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  issuer = await createTestIssuer()
  server = makeTestCertificate('127.0.0.1', '127.0.0.1')
  clientA = makeTestCertificate('client-a')
  clientB = makeTestCertificate('client-b')
  boundToA = await issuer.sign({ cnf: { 'x5t#S256': clientA.thumbprint } })
  plain = await issuer.sign()
  dpopClient = await createDpopClient()
  boundBothWays = await issuer.sign({ cnf: { jkt: dpopClient.thumbprint, 'x5t#S256': clientA.thumbprint } })
})
afterAll(async () => {
  await issuer.close()
  jest.restoreAllMocks()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const INVALID_TOKEN = /^Bearer error="invalid_token"/

type Headers = Record<string, string | string[] | undefined>
const PROXY_FORMS: Array<
  [string, string, (value: Headers[string]) => Uint8Array | undefined, (c: TestCertificate) => string]
> = [
  ['nginx $ssl_client_escaped_cert', 'x-ssl-client-cert', parseNginxClientCert, nginxHeader],
  ['Envoy X-Forwarded-Client-Cert', 'x-forwarded-client-cert', parseEnvoyXfcc, envoyHeader],
  ['RFC 9440 Client-Cert', 'client-cert', parseClientCertHeader, clientCertHeader],
]

describe.each(Object.entries(HTTPS_APPS))('%s over HTTPS', (_framework, createApp) => {
  let direct: HttpsApp
  const behindProxy = new Map<string, HttpsApp>()

  beforeAll(async () => {
    const options = { issuer: issuer.url, audience: issuer.audience }
    direct = await createApp(options, server)
    for (const [form, header, parse] of PROXY_FORMS)
      behindProxy.set(
        form,
        await createApp(
          // Koa's context, Express's and Fastify's requests all expose the Node headers as `headers`.
          {
            ...options,
            mtls: { getCertificate: (request: { headers: Headers }) => parse(request.headers[header]) },
          },
          server,
        ),
      )
  })
  afterAll(() => Promise.all([direct, ...behindProxy.values()].map((app) => app.close())))

  it('a token bound to the client certificate → 200, binding { method: "mtls", thumbprint }', async () => {
    const res = await httpsGet(direct.url, server, { headers: bearer(boundToA), client: clientA })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({
      auth: { cnf: { 'x5t#S256': clientA.thumbprint } },
      binding: { method: 'mtls', thumbprint: clientA.thumbprint },
    })
  })

  it('the same token without a client certificate → 401 invalid_token', async () => {
    const res = await httpsGet(direct.url, server, { headers: bearer(boundToA) })
    expect(res.status).toBe(401)
    expect(res.wwwAuthenticate).toMatch(INVALID_TOKEN)
    expect(res.body).not.toContain(boundToA)
  })

  it('the same token with another client certificate → 401 invalid_token', async () => {
    const res = await httpsGet(direct.url, server, { headers: bearer(boundToA), client: clientB })
    expect(res.status).toBe(401)
    expect(res.wwwAuthenticate).toMatch(INVALID_TOKEN)
  })

  it('a plain bearer token over TLS without a client certificate → 200, no binding', async () => {
    const res = await httpsGet(direct.url, server, { headers: bearer(plain) })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ binding: null })
  })

  it('a token bound both ways → 200 with its DPoP proof and its certificate, 401 with the proof alone', async () => {
    const withProof = async () => ({
      authorization: `DPoP ${boundBothWays}`,
      dpop: await dpopClient.proof({ url: `${direct.url}/protected`, accessToken: boundBothWays }),
    })
    const both = await httpsGet(direct.url, server, { headers: await withProof(), client: clientA })
    expect(both.status).toBe(200)
    expect(JSON.parse(both.body)).toMatchObject({
      binding: {
        method: 'dpop',
        thumbprint: dpopClient.thumbprint,
        certificateThumbprint: clientA.thumbprint,
      },
    })
    const proofOnly = await httpsGet(direct.url, server, { headers: await withProof() })
    expect(proofOnly.status).toBe(401)
    expect(proofOnly.wwwAuthenticate).toMatch(/DPoP error="invalid_token"/)
    const certificateOnly = await httpsGet(direct.url, server, {
      headers: bearer(boundBothWays),
      client: clientA,
    })
    expect(certificateOnly.status).toBe(401)
  })

  it.each(PROXY_FORMS)(
    'behind a proxy sending %s: 200 with the right certificate, 401 with another or none',
    async (form, header, _parse, encode) => {
      const app = behindProxy.get(form) as HttpsApp
      const right = await httpsGet(app.url, server, {
        headers: { ...bearer(boundToA), [header]: encode(clientA) },
      })
      expect(right.status).toBe(200)
      expect(JSON.parse(right.body)).toMatchObject({
        binding: { method: 'mtls', thumbprint: clientA.thumbprint },
      })
      const other = await httpsGet(app.url, server, {
        headers: { ...bearer(boundToA), [header]: encode(clientB) },
      })
      expect(other.status).toBe(401)
      expect(other.wwwAuthenticate).toMatch(INVALID_TOKEN)
      // The TLS connection's own certificate no longer counts once getCertificate reads the header.
      const none = await httpsGet(app.url, server, { headers: bearer(boundToA), client: clientA })
      expect(none.status).toBe(401)
    },
  )
})

it('every adapter re-exports the proxy header parsers, so one import is enough', () => {
  for (const adapter of [expressAdapter, koaAdapter, fastifyAdapter, nestAdapter])
    expect([adapter.parseNginxClientCert, adapter.parseEnvoyXfcc, adapter.parseClientCertHeader]).toEqual([
      parseNginxClientCert,
      parseEnvoyXfcc,
      parseClientCertHeader,
    ])
})
