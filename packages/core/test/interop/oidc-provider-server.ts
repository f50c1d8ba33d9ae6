import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'

/** Signature algorithms the provider issues access tokens with, one resource server each. */
export const PROVIDER_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const
export type ProviderAlgorithm = (typeof PROVIDER_ALGORITHMS)[number]

/** A running node-oidc-provider (OpenID Certified) on 127.0.0.1 issuing RFC 9068 JWT access tokens. */
export interface OidcProviderServer {
  issuer: string
  /** The resource (audience) whose tokens are signed with `alg`. */
  resource(alg: ProviderAlgorithm): string
  /** Requests a client-credentials access token for `resource` with the given scopes. */
  token(alg: ProviderAlgorithm, scope: string): Promise<string>
  close(): Promise<void>
}

const CLIENT_ID = 'interop-client'
// Generated per run; the provider requires at least 32 characters for HS-capable client secrets.
const CLIENT_SECRET = `secret-${crypto.randomUUID()}-${crypto.randomUUID()}`

async function privateJwk(alg: ProviderAlgorithm): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, { extractable: true })
  return { ...(await exportJWK(privateKey)), kid: `provider-${alg.toLowerCase()}`, use: 'sig' }
}

/**
 * Runs `action` without oidc-provider's development notices ("Unsupported runtime" on Node 20 — it works;
 * "in-memory adapter" — intended here). Other warnings still print.
 */
async function quietly<T>(action: () => T | Promise<T>): Promise<T> {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args)
  }
  try {
    return await action()
  } finally {
    console.warn = warn
  }
}

export async function startOidcProvider(): Promise<OidcProviderServer> {
  const Provider = (await quietly(() => import('oidc-provider'))).default
  const sockets = new Set<Socket>()
  const server: Server = createServer()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const resource = (alg: ProviderAlgorithm) => `https://api.example.com/${alg.toLowerCase()}`
  const algByResource = new Map(PROVIDER_ALGORITHMS.map((alg) => [resource(alg), alg]))

  const keys = await Promise.all(PROVIDER_ALGORITHMS.map(privateJwk))
  const provider = await quietly(
    () =>
      new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            grant_types: ['client_credentials'],
            redirect_uris: [],
            response_types: [],
          },
        ],
        jwks: { keys },
        scopes: ['read', 'write', 'admin'],
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => resource('RS256'),
            useGrantedResource: () => true,
            getResourceServerInfo: (_ctx: unknown, indicator: string) => {
              const alg = algByResource.get(indicator)
              if (!alg) throw new Error('unknown resource')
              return {
                scope: 'read write admin',
                audience: indicator,
                accessTokenTTL: 600,
                accessTokenFormat: 'jwt',
                jwt: { sign: { alg } },
              }
            },
          },
        },
      }),
  )
  server.on('request', provider.callback())

  return {
    issuer,
    resource,
    async token(alg, scope) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: resource(alg) }),
      })
      const body = (await response.json()) as { access_token?: string; error?: string }
      if (!body.access_token) throw new Error(`token request failed: ${response.status} ${body.error}`)
      return body.access_token
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
