import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createAuthenticator, createVerifier, type AuthError, type VerifiedToken } from '@tokenguard/core'
import { createHash } from 'node:crypto'
import { createDpopClient, createTestIssuer, type DpopClient, type TestIssuer } from '../../src/index.js'
import { encrypt, makeEncryptionKey, withHeader, type EncryptionKey } from '../../../core/test/jwe/support.js'
import { expressProbeApp, rawRequest, type ProbeApp } from './support/raw-target.js'

/**
 * Attack review of encrypted access tokens (nested JWT, RFC 7516) through real HTTP (Express 5) and the
 * core, alone and combined with DPoP. Each test asserts the safe behaviour: a failing test is a hole.
 */

let issuer: TestIssuer
let other: TestIssuer
let client: DpopClient
let rsa: EncryptionKey
let rsaOther: EncryptionKey
let options: Record<string, unknown>

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const ath = (token: string) => createHash('sha256').update(token).digest('base64url')
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as AuthError,
  )

beforeAll(async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  ;[issuer, other, client, rsa, rsaOther] = await Promise.all([
    createTestIssuer(),
    createTestIssuer({ audience: 'https://api.test' }),
    createDpopClient(),
    makeEncryptionKey('RSA-OAEP-256'),
    makeEncryptionKey('RSA-OAEP-256'),
  ])
  options = { issuer: issuer.url, audience: issuer.audience, decryption: { keys: [rsa.privateJwk] } }
})
afterAll(async () => {
  await Promise.all([issuer.close(), other.close()])
  jest.restoreAllMocks()
})

describe('encrypted DPoP-bound tokens', () => {
  let app: ProbeApp
  let jwe: string
  let inner: string
  beforeAll(async () => {
    app = await expressProbeApp(options)
    inner = await issuer.sign({ cnf: { jkt: client.thumbprint } })
    jwe = await encrypt(rsa, inner)
  })
  afterAll(() => app.close())

  const dpop = (token: string, proof: string): Array<[string, string]> => [
    ['authorization', `DPoP ${token}`],
    ['dpop', proof],
  ]

  it('pass with a proof whose ath hashes the token as sent (control)', async () => {
    const proof = await client.proof({ url: `${app.url}/protected`, accessToken: jwe })
    const res = await rawRequest(app.url, '/protected', dpop(jwe, proof))
    expect(res.status).toBe(200)
  })

  it('refuse a proof whose ath hashes the inner signed token', async () => {
    const proof = await client.proof({
      url: `${app.url}/protected`,
      accessToken: jwe,
      claims: { ath: ath(inner) },
    })
    expect((await rawRequest(app.url, '/protected', dpop(jwe, proof))).status).toBe(401)
  })

  it('refuse the inner signed token sent alone with a proof for it, when encryption is required', async () => {
    const strict = await expressProbeApp({
      ...options,
      decryption: { keys: [rsa.privateJwk], required: true },
    })
    try {
      const proof = await client.proof({ url: `${strict.url}/protected`, accessToken: inner })
      expect((await rawRequest(strict.url, '/protected', dpop(inner, proof))).status).toBe(401)
    } finally {
      await strict.close()
    }
  })

  it('refuse the cached encrypted token as Bearer, and in a bare verify()', async () => {
    const proof = await client.proof({ url: `${app.url}/protected`, accessToken: jwe })
    // Served from the cache by now (the control test verified it).
    expect((await rawRequest(app.url, '/protected', dpop(jwe, proof))).status).toBe(200)
    expect((await rawRequest(app.url, '/protected', [['authorization', `Bearer ${jwe}`]])).status).toBe(401)
    const verifier = createVerifier(options as never)
    await expect(verifier.verify(jwe)).rejects.toMatchObject({ code: 'binding_unverified' })
  })

  // Issue 12: "binding_mismatch is for a binding the core checks that fails, including a bound token sent
  // without its proof". asBindingMismatch parses the token as sent: a JWE does not parse, so an encrypted
  // bound token sent as Bearer keeps the code binding_unverified.
  it('answer an encrypted bound token sent as Bearer with binding_mismatch, as a signed one', async () => {
    const authenticator = createAuthenticator<null>(options as never)
    const plainFailure = await failure(
      authenticator.authenticate(null, { method: 'GET', headers: { authorization: `Bearer ${inner}` } }),
    )
    expect(plainFailure?.code).toBe('binding_mismatch')
    const encryptedFailure = await failure(
      authenticator.authenticate(null, { method: 'GET', headers: { authorization: `Bearer ${jwe}` } }),
    )
    expect(encryptedFailure?.code).toBe('binding_mismatch')
  })
})

describe('hostile encrypted tokens over HTTP: 401, never a pass, a 500 or an echo', () => {
  let app: ProbeApp
  let plainApp: ProbeApp
  let jwe: string
  beforeAll(async () => {
    ;[app, plainApp] = await Promise.all([
      expressProbeApp(options),
      expressProbeApp({ issuer: issuer.url, audience: issuer.audience }),
    ])
    jwe = await encrypt(rsa, await issuer.sign())
  })
  afterAll(() => Promise.all([app.close(), plainApp.close()]))

  const bearer = (token: string): Array<[string, string]> => [['authorization', `Bearer ${token}`]]

  it('accepts a well-made encrypted token (control), and refuses it where no decryption is configured', async () => {
    expect((await rawRequest(app.url, '/protected', bearer(jwe))).status).toBe(200)
    const res = await rawRequest(plainApp.url, '/protected', bearer(jwe))
    expect(res.status).toBe(401)
    expect(res.text).not.toContain(jwe.split('.')[3] as string)
  })

  it('refuses garbage of every shape', async () => {
    const [, key, iv, ct, tag] = jwe.split('.') as [string, string, string, string, string]
    const header = { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: rsa.kid }
    const cases: Record<string, string> = {
      'empty segments': '....',
      'header only': `${b64(header)}....`,
      'dir with an RSA key': withHeader(jwe, { alg: 'dir', enc: 'A256GCM', kid: rsa.kid }),
      RSA1_5: withHeader(jwe, { ...header, alg: 'RSA1_5' }),
      'PBES2 with a huge p2c': withHeader(jwe, {
        ...header,
        alg: 'PBES2-HS256+A128KW',
        p2c: 1e9,
        p2s: 'AAAAAAAAAAAAAAAAAAAAAA',
      }),
      zip: withHeader(jwe, { ...header, zip: 'DEF' }),
      'crit b64': withHeader(jwe, { ...header, crit: ['b64'], b64: false }),
      'header of 2 049 characters': withHeader(jwe, { ...header, pad: 'x'.repeat(1500) }),
      'header that is an array': `${b64([header])}.${key}.${iv}.${ct}.${tag}`,
      'header with __proto__': `${b64(JSON.parse(`{"__proto__":{"alg":"dir"},"alg":"RSA-OAEP-256","enc":"A256GCM"}`))}.${key}.${iv}.${ct}.${tag}`,
      'iv one byte short': `${jwe.split('.').slice(0, 2).join('.')}.${iv.slice(2)}.${ct}.${tag}`,
      'tag missing': `${jwe.split('.').slice(0, 4).join('.')}.`,
      'encrypted key of another size': `${jwe.split('.')[0]}.${key.slice(4)}.${iv}.${ct}.${tag}`,
      'ciphertext tampered': `${jwe.split('.').slice(0, 3).join('.')}.${ct.slice(0, -4)}AAAA.${tag}`,
      'six segments': `${jwe}.AAAA`,
    }
    for (const [name, token] of Object.entries(cases)) {
      const res = await rawRequest(app.url, '/protected', bearer(token))
      expect({ name, status: res.status }).toEqual({ name, status: 401 })
      expect(res.text).not.toContain(ct)
    }
  })

  it('refuses an encrypted token inside an encrypted token', async () => {
    const nested = await encrypt(rsa, jwe)
    expect((await rawRequest(app.url, '/protected', bearer(nested))).status).toBe(401)
  })

  it('refuses claims encrypted directly, and an unsigned token inside', async () => {
    const claims = await encrypt(
      rsa,
      JSON.stringify({ iss: issuer.url, aud: issuer.audience, sub: 'x', exp: 2e9 }),
    )
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: issuer.url, aud: issuer.audience, sub: 'x', exp: 2e9 })}.`
    for (const token of [claims, await encrypt(rsa, none)])
      expect((await rawRequest(app.url, '/protected', bearer(token))).status).toBe(401)
  })

  it("refuses a key's JWE opened by another issuer's key", async () => {
    const two = await expressProbeApp({
      audience: issuer.audience,
      issuer: [
        { issuer: issuer.url, decryption: { keys: [rsa.privateJwk] } },
        { issuer: other.url, decryption: { keys: [rsaOther.privateJwk] } },
      ],
    })
    try {
      // Signed by `other`, encrypted to `issuer`'s key: each half is genuine, the pair is not.
      const crossed = await encrypt(rsa, await other.sign())
      expect((await rawRequest(two.url, '/protected', bearer(crossed))).status).toBe(401)
      const straight = await encrypt(rsaOther, await other.sign())
      expect((await rawRequest(two.url, '/protected', bearer(straight))).status).toBe(200)
    } finally {
      await two.close()
    }
  })

  it('refuses an inner token of an issuer without decryption keys, opened by a trusted key', async () => {
    const two = await expressProbeApp({
      audience: issuer.audience,
      issuer: [{ issuer: issuer.url, decryption: { keys: [rsa.privateJwk] } }, { issuer: other.url }],
    })
    try {
      const crossed = await encrypt(rsa, await other.sign())
      expect((await rawRequest(two.url, '/protected', bearer(crossed))).status).toBe(401)
    } finally {
      await two.close()
    }
  })
})

describe('encrypted tokens in the core', () => {
  it('reports the encryption and keeps the outer token as the auth token', async () => {
    const verifier = createVerifier(options as never)
    const jwe = await encrypt(rsa, await issuer.sign())
    const result: VerifiedToken = await verifier.verify(jwe)
    expect(result.token).toBe(jwe)
    expect(result.encryption).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: rsa.kid })
    expect(result.header.alg).toBe('RS256')
  })

  it('refuses a JWE over the 16 KiB default before decrypting it', async () => {
    const verifier = createVerifier(options as never)
    const jwe = await encrypt(rsa, await issuer.sign())
    const [h, k, iv, ct, tag] = jwe.split('.') as [string, string, string, string, string]
    const oversized = `${h}.${k}.${iv}.${ct}${'A'.repeat(16_385 - jwe.length)}.${tag}`
    expect(oversized).toHaveLength(16_385)
    await expect(verifier.verify(oversized)).rejects.toMatchObject({ code: 'token_malformed' })
  })

  it('refuses a JWE whose kid names no key before decrypting, and a kid-less JWE with the wrong key', async () => {
    const verifier = createVerifier(options as never)
    const jwe = await encrypt(rsaOther, await issuer.sign(), { header: { kid: 'nobody' } })
    await expect(verifier.verify(jwe)).rejects.toMatchObject({ code: 'key_not_found' })
    const kidless = await encrypt(rsaOther, await issuer.sign(), { noKid: true })
    await expect(verifier.verify(kidless)).rejects.toMatchObject({ status: 401 })
  })
})
