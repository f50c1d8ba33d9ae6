import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'

/**
 * node-oidc-provider on 127.0.0.1 issuing encrypted JWT access tokens (nested JWTs): each resource signs
 * with the provider's key and encrypts to the resource server's own key (`jwt: { sign, encrypt }`). The
 * resource server's private keys are made here, at run time, and handed to the test.
 */

/** The encrypted resources: how each protects its tokens, and the private key its API decrypts with. */
export const ENCRYPTED_RESOURCES = {
  'rsa-oaep-256': { sign: 'ES256', alg: 'RSA-OAEP-256', enc: 'A256GCM' },
  'ecdh-es+a256kw': { sign: 'PS256', alg: 'ECDH-ES+A256KW', enc: 'A128CBC-HS256' },
  dir: { sign: 'RS256', alg: 'dir', enc: 'A256GCM' },
} as const
export type EncryptedResource = keyof typeof ENCRYPTED_RESOURCES

export interface EncryptingProvider {
  issuer: string
  /** The audience of `name`'s tokens. */
  resource(name: EncryptedResource | 'plain'): string
  /** The private (or secret) key and kid the API of `name` decrypts with. */
  decryptionKey(name: EncryptedResource): { key: KeyObject; kid: string }
  /** A client-credentials access token for `name` (`plain`: signed only). */
  token(name: EncryptedResource | 'plain', scope: string): Promise<string>
  close(): Promise<void>
}

const CLIENT_ID = 'encrypted-interop-client'
const CLIENT_SECRET = `secret-${crypto.randomUUID()}-${crypto.randomUUID()}`

function resourceKeys(): Record<EncryptedResource, { key: KeyObject; encryptKey: KeyObject; kid: string }> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const secret = createSecretKey(randomBytes(32))
  return {
    'rsa-oaep-256': { key: rsa.privateKey, encryptKey: rsa.publicKey, kid: 'api-enc-rsa' },
    'ecdh-es+a256kw': { key: ec.privateKey, encryptKey: ec.publicKey, kid: 'api-enc-ec' },
    dir: { key: secret, encryptKey: secret, kid: 'api-enc-dir' },
  }
}

export async function startEncryptingProvider(): Promise<EncryptingProvider> {
  const warn = console.warn
  // oidc-provider's development notices ("Unsupported runtime" on Node 20 — it works; in-memory adapter).
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args)
  }
  try {
    const Provider = (await import('oidc-provider')).default
    const sockets = new Set<Socket>()
    const server: Server = createServer()
    server.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const resource = (name: string) => `https://api.example.com/encrypted/${name}`
    const keys = resourceKeys()
    const signingKeys = await Promise.all(
      ['ES256', 'PS256', 'RS256'].map(async (alg) => {
        const { privateKey } = await generateKeyPair(alg, { extractable: true })
        return { ...(await exportJWK(privateKey)), kid: `provider-${alg.toLowerCase()}`, use: 'sig' }
      }),
    )
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
        },
      ],
      jwks: { keys: signingKeys },
      scopes: ['read', 'write'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resource('plain'),
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, indicator: string) => {
            const name = indicator.slice(resource('').length)
            const common = { scope: 'read write', audience: indicator, accessTokenTTL: 600 }
            if (name === 'plain')
              return { ...common, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }
            const settings = ENCRYPTED_RESOURCES[name as EncryptedResource]
            if (!settings) throw new Error('unknown resource')
            const { encryptKey, kid } = keys[name as EncryptedResource]
            return {
              ...common,
              accessTokenFormat: 'jwt',
              jwt: {
                sign: { alg: settings.sign },
                encrypt: { alg: settings.alg, enc: settings.enc, key: encryptKey, kid },
              },
            }
          },
        },
      },
    })
    server.on('request', provider.callback())

    return {
      issuer,
      resource,
      decryptionKey: (name) => ({ key: keys[name].key, kid: keys[name].kid }),
      async token(name, scope) {
        const response = await fetch(`${issuer}/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: resource(name) }),
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
  } finally {
    console.warn = warn
  }
}
