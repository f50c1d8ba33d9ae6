import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { createHash, randomUUID } from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'
import {
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose'
import { parseChallenges } from '../conformance/table.js'
import { FRAMEWORK_APPS, type RunningApp } from '../support/framework-apps.js'

/**
 * node-oidc-provider with its DPoP feature (RFC 9449 §5) issues DPoP-bound RFC 9068 access tokens
 * (`cnf.jkt`) to a client-credentials client that makes its proofs with jose, for the token request and
 * for each API call; the tokens work through every framework with proofs, and only with them.
 */

const CLIENT_ID = 'dpop-interop-client'
const CLIENT_SECRET = `secret-${randomUUID()}-${randomUUID()}`
const RESOURCE = 'https://api.example.com/dpop'

/** A DPoP client as a real one would be written with jose: one key pair, a proof per request. */
interface JoseDpopClient {
  jwk: JWK
  thumbprint: string
  proof(method: string, url: string, accessToken?: string): Promise<string>
}

async function joseDpopClient(): Promise<JoseDpopClient> {
  const { privateKey, publicKey }: { privateKey: CryptoKey; publicKey: CryptoKey } =
    await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  return {
    jwk,
    thumbprint: await calculateJwkThumbprint(jwk),
    proof: (method, url, accessToken) =>
      new SignJWT({
        htm: method,
        htu: url,
        ...(accessToken === undefined
          ? {}
          : { ath: createHash('sha256').update(accessToken).digest('base64url') }),
      })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
        .setIssuedAt()
        .setJti(randomUUID())
        .sign(privateKey),
  }
}

interface Provider {
  issuer: string
  /** A DPoP-bound access token for `client`, obtained with a proof of its key. */
  token(client: JoseDpopClient, scope: string): Promise<{ token: string; tokenType: string }>
  close(): Promise<void>
}

async function startDpopProvider(): Promise<Provider> {
  const { default: OidcProvider } = await import('oidc-provider')
  const sockets = new Set<Socket>()
  const server: Server = createServer()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const provider = new OidcProvider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        dpop_bound_access_tokens: true,
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'provider-es256', use: 'sig' }] },
    scopes: ['read', 'write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
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
  server.on('request', provider.callback())
  return {
    issuer,
    async token(client, scope) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          dpop: await client.proof('POST', `${issuer}/token`),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE }),
      })
      const body = (await response.json()) as { access_token?: string; token_type?: string; error?: string }
      if (!body.access_token)
        throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`)
      return { token: body.access_token, tokenType: body.token_type ?? '' }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

let op: Provider
let client: JoseDpopClient
let thief: JoseDpopClient
let issued: { token: string; tokenType: string }

beforeAll(async () => {
  // The provider prints development notices (runtime, in-memory adapter); the frameworks log rendered errors.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined)
  jest.spyOn(console, 'info').mockImplementation(() => undefined)
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  op = await startDpopProvider()
  ;[client, thief] = await Promise.all([joseDpopClient(), joseDpopClient()])
  issued = await op.token(client, 'read write')
})
afterAll(async () => {
  await op.close()
  jest.restoreAllMocks()
})

it('the provider issues a DPoP-bound JWT access token (token_type DPoP, cnf.jkt of the client key)', () => {
  expect(issued.tokenType).toBe('DPoP')
  expect(decodeJwt(issued.token)).toMatchObject({ aud: RESOURCE, cnf: { jkt: client.thumbprint } })
})

describe.each(Object.entries(FRAMEWORK_APPS))('%s', (_framework, createApp) => {
  let app: RunningApp
  const observed = new Map<string, unknown>()
  beforeAll(async () => {
    app = await createApp(
      { issuer: op.issuer, audience: RESOURCE },
      { scope: 'write', observe: (id, auth) => observed.set(id, auth) },
    )
  })
  afterAll(() => app.close())

  const call = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(`${app.url}${path}`, { headers })
    return { status: res.status, challenges: parseChallenges(res.headers.get('www-authenticate') ?? ''), res }
  }

  it('the token with a proof of the client key → 200, bound to that key; the scope guard passes', async () => {
    const { token } = issued
    const proof = await client.proof('GET', `${app.url}/protected`, token)
    const { status, res } = await call('/protected', {
      authorization: `DPoP ${token}`,
      dpop: proof,
      'x-test-id': 'ok',
    })
    expect(status).toBe(200)
    const { auth } = (await res.json()) as { auth: Record<string, unknown> }
    expect(auth).toMatchObject({
      iss: op.issuer,
      aud: RESOURCE,
      client_id: CLIENT_ID,
      cnf: { jkt: client.thumbprint },
    })
    while (!observed.has('ok')) await new Promise((resolve) => setImmediate(resolve))
    expect(observed.get('ok')).toMatchObject({ binding: { method: 'dpop', thumbprint: client.thumbprint } })

    const scoped = await client.proof('GET', `${app.url}/scoped`, token)
    expect((await call('/scoped', { authorization: `DPoP ${token}`, dpop: scoped })).status).toBe(200)
  })

  it('the token as a Bearer token → 401 invalid_token', async () => {
    const { status, challenges } = await call('/protected', { authorization: `Bearer ${issued.token}` })
    expect(status).toBe(401)
    expect(challenges.Bearer?.error).toBe('invalid_token')
  })

  it('the token with a proof of another key → 401 invalid_token in the DPoP challenge', async () => {
    const proof = await thief.proof('GET', `${app.url}/protected`, issued.token)
    const { status, challenges } = await call('/protected', {
      authorization: `DPoP ${issued.token}`,
      dpop: proof,
    })
    expect(status).toBe(401)
    expect(challenges.DPoP?.error).toBe('invalid_token')
  })

  it('the proof of the token request, replayed to the API → 401 invalid_dpop_proof', async () => {
    const proof = await client.proof('POST', `${op.issuer}/token`)
    const { status, challenges } = await call('/protected', {
      authorization: `DPoP ${issued.token}`,
      dpop: proof,
    })
    expect(status).toBe(401)
    expect(challenges.DPoP?.error).toBe('invalid_dpop_proof')
  })
})
