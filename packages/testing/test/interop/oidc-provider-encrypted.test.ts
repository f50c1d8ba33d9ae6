import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { randomBytes } from 'node:crypto'
import { decodeProtectedHeader } from 'jose'
import { NEST_HTTP_APPS } from '../../../nestjs/test/support/interop-app.js'
import { FRAMEWORK_APPS, type RunningApp } from '../support/framework-apps.js'
import { sendRaw } from '../support/raw-http.js'
import {
  ENCRYPTED_RESOURCES,
  startEncryptingProvider,
  type EncryptedResource,
  type EncryptingProvider,
} from './encrypting-provider.js'

/**
 * node-oidc-provider issues encrypted JWT access tokens (a signed at+jwt inside a compact JWE, per
 * resource server: RSA-OAEP-256, ECDH-ES+A256KW, dir); each framework's app is configured with `issuer`,
 * `audience` and the resource server's decryption key, discovers the signing keys, and guards
 * `GET /scoped` with `requireScopes('write')` (Nest: `@RequireScopes('write')`).
 */

const RESOURCES = Object.keys(ENCRYPTED_RESOURCES) as EncryptedResource[]

let op: EncryptingProvider
const tokens = new Map<EncryptedResource | 'plain', { readWrite: string; readOnly: string }>()

beforeAll(async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  jest.spyOn(console, 'info').mockImplementation(() => undefined)
  op = await startEncryptingProvider()
  for (const name of [...RESOURCES, 'plain'] as const)
    tokens.set(name, {
      readWrite: await op.token(name, 'read write'),
      readOnly: await op.token(name, 'read'),
    })
})
afterAll(async () => {
  await op.close()
  jest.restoreAllMocks()
})

const options = (name: EncryptedResource) => ({
  issuer: op.issuer,
  audience: op.resource(name),
  decryption: { keys: [op.decryptionKey(name)], required: true },
})

const get = (app: RunningApp, path: string, token: string) =>
  sendRaw(app.url, { path, headers: [['authorization', `Bearer ${token}`]] })

describe('the provider encrypts as configured', () => {
  it.each(RESOURCES)('%s: a five-segment token with the resource kid; the core reports it', async (name) => {
    const token = tokens.get(name)!.readWrite
    const { alg, enc } = ENCRYPTED_RESOURCES[name]
    expect(token.split('.')).toHaveLength(5)
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, enc, kid: op.decryptionKey(name).kid })
    const result = await createVerifier(options(name)).verify(token)
    expect(result.encryption).toEqual({ alg, enc, kid: op.decryptionKey(name).kid })
    expect(result.header).toMatchObject({ typ: 'at+jwt', alg: ENCRYPTED_RESOURCES[name].sign })
    expect(result.token).toBe(token)
  })
})

// Nest's two platforms too: `@RequireScopes('write')` guards its `/scoped`.
const APPS = { ...FRAMEWORK_APPS, ...NEST_HTTP_APPS }

describe.each(Object.entries(APPS))('%s', (_framework, createApp) => {
  const apps = new Map<EncryptedResource, RunningApp>()
  beforeAll(async () => {
    for (const name of RESOURCES) apps.set(name, await createApp(options(name), { scope: 'write' }))
  })
  afterAll(() => Promise.all([...apps.values()].map((app) => app.close())))

  it.each(RESOURCES)('%s: 200 with its claims, scope guard 200 / 403', async (name) => {
    const app = apps.get(name) as RunningApp
    const { readWrite, readOnly } = tokens.get(name)!
    const res = await get(app, '/protected', readWrite)
    expect(res.status).toBe(200)
    const { auth } = JSON.parse(res.body) as { auth: Record<string, unknown> }
    expect(auth).toMatchObject({ iss: op.issuer, aud: op.resource(name), scope: 'read write' })
    expect((await get(app, '/scoped', readWrite)).status).toBe(200)
    const denied = await get(app, '/scoped', readOnly)
    expect(denied.status).toBe(403)
    expect(denied.headers['www-authenticate']).toMatch(/^Bearer .*error="insufficient_scope"/)
  })

  it('a token encrypted for another resource server → 401 invalid_token', async () => {
    const res = await get(apps.get('dir') as RunningApp, '/protected', tokens.get('rsa-oaep-256')!.readWrite)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/)
  })

  it('a plain signed token where encryption is required → 401', async () => {
    const res = await get(
      apps.get('rsa-oaep-256') as RunningApp,
      '/protected',
      tokens.get('plain')!.readWrite,
    )
    expect(res.status).toBe(401)
  })

  it('an app with no decryption keys answers a provider JWE with 401, never 500', async () => {
    const plain = await createApp({ issuer: op.issuer, audience: op.resource('rsa-oaep-256') })
    try {
      const res = await get(plain, '/protected', tokens.get('rsa-oaep-256')!.readWrite)
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/)
    } finally {
      await plain.close()
    }
  })

  it('garbage behind a valid-looking JWE header (right kid, alg, enc and sizes) → 401', async () => {
    const [h, k, iv, ct, tag] = tokens.get('rsa-oaep-256')!.readWrite.split('.') as string[]
    const random = (segment: string) =>
      randomBytes(Buffer.from(segment, 'base64url').length).toString('base64url')
    const garbage = [h, random(k!), random(iv!), random(ct!), random(tag!)].join('.')
    const res = await get(apps.get('rsa-oaep-256') as RunningApp, '/protected', garbage)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/)
  })

  it('a provider JWE with its ciphertext altered → 401, the token never echoed', async () => {
    const [h, k, iv, ct, tag] = tokens.get('ecdh-es+a256kw')!.readWrite.split('.') as string[]
    const altered = [h, k, iv, `${ct!.startsWith('A') ? 'B' : 'A'}${ct!.slice(1)}`, tag].join('.')
    const res = await get(apps.get('ecdh-es+a256kw') as RunningApp, '/protected', altered)
    expect(res.status).toBe(401)
    expect(res.body).not.toContain(altered.slice(0, 40))
  })
})
