import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'
import { expectAuthError } from '../support/expect-error.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { claims, makeKey, NOW, sign, type TestKey } from '../support/keys.js'
import { signRaw } from '../support/raw-token.js'

/**
 * Unsafe or unusable keys in a remote JWK Set are skipped, never fatal to the set: the good keys published
 * next to them keep working, and a token naming a skipped key gets 401 (no key), not 503.
 */

interface Published {
  kid: string
  alg: string
  privateKey: KeyObject
  jwk: JWK
}

function ec(kid: string, changes: Partial<JWK> = {}): Published {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    kid,
    alg: 'ES256',
    privateKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, ...changes } as JWK,
  }
}

function rsa(
  kid: string,
  modulusLength: number,
  changes: Partial<JWK> = {},
  publicExponent = 65537,
): Published {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength, publicExponent })
  return {
    kid,
    alg: 'RS256',
    privateKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, ...changes } as JWK,
  }
}

function offCurve(kid: string): Published {
  const key = ec(kid)
  const y = Buffer.from(key.jwk.y as string, 'base64url')
  y[y.length - 1] = (y[y.length - 1] as number) ^ 1
  return { ...key, jwk: { ...key.jwk, y: y.toString('base64url') } }
}

function withPrivate(kid: string): Published {
  const key = ec(kid)
  return { ...key, jwk: { ...(key.privateKey.export({ format: 'jwk' }) as JWK), kid } }
}

const token = (key: Published) =>
  signRaw(key, { alg: key.alg, kid: key.kid }, JSON.stringify(claims({ iss: server.issuer })))

let server: JwksServer
let good: TestKey
let rsa3: Published
const unusable: [string, () => Published][] = [
  ['RSA under 2048 bits', () => rsa('rsa-1024', 1024)],
  ['an RSA exponent of 1', () => rsa('rsa-e1', 2048, { e: 'AQ' })],
  ['an even RSA exponent', () => rsa('rsa-even', 2048, { e: 'AQAA' })],
  ['private members', () => withPrivate('private')],
  ['an off-curve point', () => offCurve('off-curve')],
  ['use: enc', () => ec('enc', { use: 'enc' })],
  ['key_ops without verify', () => ec('ops', { key_ops: ['sign'] })],
  ['an alg that does not fit kty', () => ec('mismatch', { alg: 'RS256' })],
  ['an alg of another curve', () => ec('curve', { alg: 'ES384' })],
  ['an unsupported kty', () => ({ ...ec('oct'), jwk: { kty: 'oct', k: 'c2VjcmV0', kid: 'oct' } })],
]
const bad = new Map<string, Published>()

beforeAll(async () => {
  good = await makeKey('ES256', { kid: 'good' })
  rsa3 = rsa('rsa-e3', 2048, {}, 3)
  for (const [name, make] of unusable) bad.set(name, make())
  server = await startJwksServer([
    ...[...bad.values()].map((key) => key.jwk),
    'not a key',
    null,
    { kty: 'EC' },
    good.publicJwk,
    rsa3.jwk,
  ])
})
afterAll(() => server.close())

function verifier(jwks = {}) {
  return createVerifier({
    issuer: server.issuer,
    audience: 'https://api.example.com',
    now: () => NOW * 1000,
    jwks,
  })
}

describe('a JWK Set with unusable keys', () => {
  it('still verifies with its good keys', async () => {
    const v = verifier()
    await expect(v.verify(await sign(good, claims({ iss: server.issuer })))).resolves.toBeDefined()
    await expect(v.verify(token(rsa3))).resolves.toBeDefined()
  })

  it.each(unusable.map(([name]) => [name]))('skips a key with %s (401, not 503)', async (name) => {
    await expectAuthError(verifier().verify(token(bad.get(name) as Published)), 'key_not_found')
  })

  it('keeps at most jwks.maxKeys usable keys, in order', async () => {
    const v = verifier({ maxKeys: 1 })
    await expect(v.verify(await sign(good, claims({ iss: server.issuer })))).resolves.toBeDefined()
    await expectAuthError(v.verify(token(rsa3)), 'key_not_found')
  })
})

describe('kid', () => {
  let other: TestKey
  let remote: JwksServer
  beforeAll(async () => {
    other = await makeKey('ES256', { kid: 'other' })
    remote = await startJwksServer([good.publicJwk])
  })
  afterAll(() => remote.close())

  const v = () =>
    createVerifier({ issuer: remote.issuer, audience: 'https://api.example.com', now: () => NOW * 1000 })
  const signed = (key: TestKey, options = {}) => sign(key, claims({ iss: remote.issuer }), options)

  it('a token without kid uses the only key (pinned)', async () => {
    remote.setKeys([good.publicJwk])
    await expect(v().verify(await signed(good, { noKid: true }))).resolves.toBeDefined()
  })

  it('a token without kid is rejected when two keys could match (pinned)', async () => {
    remote.setKeys([good.publicJwk, other.publicJwk])
    await expectAuthError(v().verify(await signed(good, { noKid: true })), 'key_not_found')
  })

  it('a duplicate kid in the set → 401', async () => {
    remote.setKeys([good.publicJwk, { ...other.publicJwk, kid: 'good' }])
    await expectAuthError(v().verify(await signed(good)), 'key_not_found')
  })
})
