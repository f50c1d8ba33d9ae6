import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer, request } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { decodeJwt, exportJWK, generateKeyPair } from 'jose'
import {
  makeTestCertificate,
  type TestCertificate,
} from '../../../core/test/mtls/support/tls-certificates.js'
import { HTTPS_APPS, httpsGet, type HttpsApp } from '../mtls/https-apps.js'

/**
 * node-oidc-provider with its mTLS feature (RFC 8705 §3, `certificateBoundAccessTokens`) issues
 * certificate-bound RFC 9068 access tokens (`cnf["x5t#S256"]`) to a client-credentials client that calls
 * the token endpoint over mutual TLS; the tokens work through every framework over HTTPS with that
 * certificate, and fail with another or none.
 *
 * The provider answers discovery and its JWK Set over plain HTTP on loopback (its issuer identifier), and
 * the token request over an HTTPS listener that asks for client certificates, as deployments put the mTLS
 * endpoints on their own host (RFC 8705 §5, `mtls_endpoint_aliases`).
 */

const CLIENT_ID = 'mtls-interop-client'
const CLIENT_SECRET = `secret-${randomUUID()}-${randomUUID()}`
const RESOURCE = 'https://api.example.com/mtls'

interface Provider {
  issuer: string
  /** A certificate-bound access token for the client holding `certificate`. */
  token(certificate: TestCertificate): Promise<string>
  close(): Promise<void>
}

function closing(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )

async function startMtlsProvider(serverCertificate: TestCertificate): Promise<Provider> {
  const { default: OidcProvider } = await import('oidc-provider')
  const http = createHttpServer()
  const https = createHttpsServer({
    key: serverCertificate.keyPem,
    cert: serverCertificate.pem,
    requestCert: true,
    rejectUnauthorized: false,
  })
  const closers = [closing(http), closing(https)]
  const issuer = `http://127.0.0.1:${await listen(http)}`
  const mtlsOrigin = `https://127.0.0.1:${await listen(https)}`
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const provider = new OidcProvider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        tls_client_certificate_bound_access_tokens: true,
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'provider-es256', use: 'sig' }] },
    scopes: ['read', 'write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        // The provider terminates TLS itself here: the certificate of the token request's own connection.
        getCertificate: (ctx: { socket: TLSSocket }) =>
          typeof ctx.socket.getPeerX509Certificate === 'function'
            ? ctx.socket.getPeerX509Certificate()?.toString()
            : undefined,
        // Only for tls_client_auth client authentication, which this client does not use.
        certificateAuthorized: () => false,
        certificateSubjectMatches: () => false,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'read write',
          audience: RESOURCE,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  })
  http.on('request', provider.callback())
  https.on('request', provider.callback())
  return {
    issuer,
    token: (certificate) =>
      new Promise((resolve, reject) => {
        const outgoing = request(
          `${mtlsOrigin}/token`,
          {
            method: 'POST',
            agent: false,
            ca: serverCertificate.pem,
            cert: certificate.pem,
            key: certificate.keyPem,
            headers: {
              authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
          },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { access_token?: string }
              if (body.access_token) resolve(body.access_token)
              else reject(new Error(`token request failed: ${res.statusCode} ${JSON.stringify(body)}`))
            })
          },
        )
        outgoing.on('error', reject)
        outgoing.end(
          new URLSearchParams({
            grant_type: 'client_credentials',
            scope: 'read',
            resource: RESOURCE,
          }).toString(),
        )
      }),
    close: async () => {
      await Promise.all(closers.map((close) => close()))
    },
  }
}

let op: Provider
let server: TestCertificate
let client: TestCertificate
let other: TestCertificate
let token: string

beforeAll(async () => {
  // The provider prints development notices (runtime, in-memory adapter); the frameworks log rendered errors.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined)
  jest.spyOn(console, 'info').mockImplementation(() => undefined)
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  server = makeTestCertificate('127.0.0.1', '127.0.0.1')
  client = makeTestCertificate('mtls-interop-client')
  other = makeTestCertificate('another-client')
  op = await startMtlsProvider(server)
  token = await op.token(client)
})
afterAll(async () => {
  await op.close()
  jest.restoreAllMocks()
})

it('the provider issues a certificate-bound JWT access token (cnf["x5t#S256"] of the client certificate)', () => {
  expect(decodeJwt(token)).toMatchObject({
    iss: op.issuer,
    aud: RESOURCE,
    client_id: CLIENT_ID,
    cnf: { 'x5t#S256': client.thumbprint },
  })
})

describe.each(Object.entries(HTTPS_APPS))('%s over HTTPS', (_framework, createApp) => {
  let app: HttpsApp
  beforeAll(async () => {
    app = await createApp({ issuer: op.issuer, audience: RESOURCE }, server)
  })
  afterAll(() => app.close())

  const call = (certificate?: TestCertificate) =>
    httpsGet(app.url, server, {
      headers: { authorization: `Bearer ${token}` },
      ...(certificate === undefined ? {} : { client: certificate }),
    })

  it('the token with the client certificate → 200, bound to it', async () => {
    const res = await call(client)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({
      auth: { client_id: CLIENT_ID },
      binding: { method: 'mtls', thumbprint: client.thumbprint },
    })
  })

  it('the token with another certificate, or none → 401 invalid_token', async () => {
    for (const res of [await call(other), await call()]) {
      expect(res.status).toBe(401)
      expect(res.wwwAuthenticate).toMatch(/^Bearer error="invalid_token"/)
    }
  })
})
