import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, type JWK } from 'jose'

/**
 * node-oidc-provider on 127.0.0.1 issuing opaque (reference) access tokens for one resource
 * (`accessTokenFormat: 'opaque'`, `aud` from resource indicators), with its introspection (RFC 7662, and
 * signed answers of RFC 9701 on request) and revocation (RFC 7009) endpoints, and three API clients that may introspect, one per client
 * authentication method. The private_key_jwt client's key is made here, at run time.
 */

export const RESOURCE = 'https://api.example.com/opaque'

/** The API's introspection clients, by authentication method. */
export type ApiAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

export interface IntrospectingProvider {
  issuer: string
  /** The verifier's `introspection` option for the API client of `method`. */
  introspection(method: ApiAuthMethod): Record<string, unknown>
  /** A client-credentials opaque access token; DPoP-bound when `dpopProof` (a proof for the token endpoint). */
  token(scope: string, dpopProof?: string): Promise<{ token: string; tokenType: string }>
  /** The token endpoint, for the DPoP proof of a token request. */
  tokenEndpoint: string
  /** Revokes `token` at the revocation endpoint (RFC 7009), as the client it was issued to. */
  revoke(token: string): Promise<void>
  /** Stops the provider; its endpoints refuse connections from then on. */
  close(): Promise<void>
}

const secret = () => `secret-${randomUUID()}-${randomUUID()}`
const TOKEN_CLIENT = { id: 'opaque-token-client', secret: secret() }
const API = {
  client_secret_basic: { clientId: 'api-basic', clientSecret: secret() },
  client_secret_post: { clientId: 'api-post', clientSecret: secret() },
}
const API_JWT_CLIENT = 'api-private-key-jwt'
/** Where the provider fetches the private_key_jwt client's public key (served next to the provider). */
const API_JWKS_PATH = '/test-clients/api-private-key-jwt/jwks'

const basic = (id: string, password: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(password)}`).toString('base64')}`

/** A client that only calls the introspection endpoint (it needs some grant type to be registered). */
const apiClient = (client_id: string, method: ApiAuthMethod, extra: Record<string, unknown>) => ({
  client_id,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: method,
  ...extra,
})

export async function startIntrospectingProvider(): Promise<IntrospectingProvider> {
  const Provider = (await import('oidc-provider')).default
  const sockets = new Set<Socket>()
  const server: Server = createServer()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const apiKey: JWK = { ...(await exportJWK(privateKey)), kid: 'api-assertion-key', alg: 'ES256' }
  const apiPublicKey: JWK = { ...(await exportJWK(publicKey)), kid: 'api-assertion-key', alg: 'ES256' }
  const signing = await generateKeyPair('ES256', { extractable: true })

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TOKEN_CLIENT.id,
        client_secret: TOKEN_CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
      apiClient(API.client_secret_basic.clientId, 'client_secret_basic', {
        client_secret: API.client_secret_basic.clientSecret,
      }),
      apiClient(API.client_secret_post.clientId, 'client_secret_post', {
        client_secret: API.client_secret_post.clientSecret,
      }),
      // `jwks_uri`, not `jwks`: the provider structuredClone()s static clients, and under Jest's VM modules the
      // clone's objects come from another realm, which its plain-object check of inline keys refuses.
      apiClient(API_JWT_CLIENT, 'private_key_jwt', {
        jwks_uri: `${issuer}${API_JWKS_PATH}`,
        token_endpoint_auth_signing_alg: 'ES256',
      }),
    ],
    jwks: { keys: [{ ...(await exportJWK(signing.privateKey)), kid: 'provider-es256', use: 'sig' }] },
    // The provider's only key is ES256; its defaults for these would be RS256.
    clientDefaults: { id_token_signed_response_alg: 'ES256', introspection_signed_response_alg: 'ES256' },
    scopes: ['read', 'write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      // Signed answers (RFC 9701) for a client that asks with `Accept: application/token-introspection+jwt`.
      jwtIntrospection: { enabled: true },
      revocation: { enabled: true },
      // The token request's proof binds the opaque token (`cnf.jkt` in the introspection answer).
      dPoP: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'read write',
          audience: RESOURCE,
          accessTokenTTL: 600,
          accessTokenFormat: 'opaque',
        }),
      },
    },
  })
  const callback = provider.callback()
  server.on('request', (req, res) => {
    if (req.url !== API_JWKS_PATH) return callback(req, res)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [apiPublicKey] }))
  })

  const form = (params: Record<string, string>) => new URLSearchParams(params)
  const tokenEndpoint = `${issuer}/token`
  return {
    issuer,
    tokenEndpoint,
    introspection: (method) =>
      method === 'private_key_jwt'
        ? { clientId: API_JWT_CLIENT, authMethod: method, privateKey: apiKey }
        : { ...API[method], authMethod: method },
    async token(scope, dpopProof) {
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: basic(TOKEN_CLIENT.id, TOKEN_CLIENT.secret),
          'content-type': 'application/x-www-form-urlencoded',
          ...(dpopProof === undefined ? {} : { dpop: dpopProof }),
        },
        body: form({ grant_type: 'client_credentials', scope, resource: RESOURCE }),
      })
      const body = (await response.json()) as {
        access_token?: string
        token_type?: string
        error?: string
        error_description?: string
      }
      if (!body.access_token)
        throw new Error(`token request failed: ${response.status} ${body.error} ${body.error_description}`)
      return { token: body.access_token, tokenType: body.token_type ?? '' }
    },
    async revoke(token) {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: {
          authorization: basic(TOKEN_CLIENT.id, TOKEN_CLIENT.secret),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form({ token, token_type_hint: 'access_token' }),
      })
      if (response.status !== 200) throw new Error(`revocation failed: ${response.status}`)
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
