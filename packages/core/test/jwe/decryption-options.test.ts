import { beforeAll, describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier, type DecryptionOptions, type VerifierOptions } from '@tokenguard/core'
import { createSecretKey, generateKeyPairSync } from 'node:crypto'
import { AUDIENCE, ISSUER, makeKey, type TestKey } from '../support/keys.js'
import { makeEncryptionKey, type EncryptionKey } from './support.js'

/** The `decryption` option is checked at start-up: every mistake throws a ConfigError naming the option. */

let signer: TestKey
let rsa: EncryptionKey
let ec: EncryptionKey
let secret: EncryptionKey
beforeAll(async () => {
  ;[signer, rsa, ec, secret] = await Promise.all([
    makeKey('ES256'),
    makeEncryptionKey('RSA-OAEP-256'),
    makeEncryptionKey('ECDH-ES', { crv: 'P-256' }),
    makeEncryptionKey('A256KW'),
  ])
})

function create(decryption: unknown, extra: Partial<VerifierOptions> = {}) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: signer.publicJwk,
    decryption: decryption as DecryptionOptions,
    ...extra,
  })
}

function expectConfigError(decryption: unknown, option: string, problem?: RegExp) {
  let error: unknown
  try {
    create(decryption)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(ConfigError)
  expect((error as Error).message).toContain(`"${option}"`)
  if (problem) expect((error as Error).message).toMatch(problem)
}

describe('decryption option', () => {
  it.each([
    ['not an object', 'x', 'decryption', /object/],
    ['an unknown member', { keys: [], zip: true }, 'decryption.zip', /not a known option/],
    ['no keys', { keys: [] }, 'decryption.keys', /at least one/],
    ['keys left out', {}, 'decryption.keys', /at least one/],
    ['a number as key', { keys: [1] }, 'decryption.keys', /JWKs, PEM/],
    ['a public JWK', { keys: [{ ...makePublicJwk() }] }, 'decryption.keys', /private/],
    ['a signing JWK', { keys: [{ use: 'sig', kty: 'RSA' }] }, 'decryption.keys', /use "sig"/],
    ['an oct JWK without k', { keys: [{ kty: 'oct' }] }, 'decryption.keys', /not a private key/],
    ['a public PEM', { keys: [publicPem()] }, 'decryption.keys', /not a private key/],
    ['an empty kid', { keys: [{ key: publicPem(), kid: '' }] }, 'decryption.keys', /kid/],
    ['a secret of 20 bytes', { keys: [createSecretKey(Buffer.alloc(20))] }, 'decryption.keys', /16, 24/],
    ['an RSA key of 1024 bits', { keys: [rsaPem(1024)] }, 'decryption.keys', /1024 bits/],
    ['an Ed25519 key', { keys: [edPem()] }, 'decryption.keys', /not RSA, EC/],
    [
      'a public KeyObject',
      { keys: [generateKeyPairSync('x25519').publicKey] },
      'decryption.keys',
      /not public/,
    ],
    ['required not a boolean', { keys: [rsaPem(2048)], required: 'yes' }, 'decryption.required', /boolean/],
  ])('refuses %s', (_name, decryption, option, problem) => {
    expectConfigError(decryption, option, problem)
  })

  it('refuses a JWK alg that is not key management', () => {
    expectConfigError({ keys: [{ ...rsa.privateJwk, alg: 'RS256' }] }, 'decryption.keys', /alg "RS256"/)
  })

  it.each([
    [['RSA1_5'], /never accepted/],
    [['PBES2-HS256+A128KW'], /never accepted/],
    [['RSA-OAEP-999'], /unsupported/],
    [['dir'], /secret key of its size/],
    [['A128KW'], /secret key of its size/],
    [['ECDH-ES'], /no configured key can use/],
    [[], /non-empty array/],
    ['RSA-OAEP', /non-empty array/],
  ])('refuses algorithms %j', (algorithms, problem) => {
    expectConfigError({ keys: [rsa.privateJwk], algorithms }, 'decryption.algorithms', problem)
  })

  it('refuses AES key wrap with a secret of another size', () => {
    expectConfigError({ keys: [secret.privateJwk], algorithms: ['A128KW'] }, 'decryption.algorithms', /size/)
  })

  it('refuses unsupported encryptions', () => {
    expectConfigError(
      { keys: [rsa.privateJwk], encryptions: ['A128CTR'] },
      'decryption.encryptions',
      /unsupported/,
    )
  })

  it('refuses decryption beside a list of issuer configs, and names the issuer of a bad entry', () => {
    expect(() =>
      createVerifier({
        issuer: [{ issuer: ISSUER, keys: signer.publicJwk }],
        audience: AUDIENCE,
        decryption: { keys: rsa.privateJwk },
      }),
    ).toThrow(/"decryption" cannot be combined/)
    expect(() =>
      createVerifier({
        issuer: [{ issuer: ISSUER, keys: signer.publicJwk, decryption: { keys: [] } }],
        audience: AUDIENCE,
      }),
    ).toThrow(/"issuer\[0\]\.decryption\.keys"/)
  })

  it('accepts every key form, and a mix of families', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' })
    expect(() =>
      create({
        keys: [
          rsa.privateJwk,
          ec.privateJwk,
          secret.privateJwk,
          privateKey,
          { key: privateKey, kid: 'p521' },
          rsaPem(2048),
          generateKeyPairSync('x25519').privateKey,
          { ...rsa.privateJwk, use: 'enc', alg: 'RSA-OAEP-256' },
        ],
        algorithms: ['RSA-OAEP-256', 'ECDH-ES+A256KW', 'A256KW'],
        encryptions: ['A256GCM'],
        required: false,
      }),
    ).not.toThrow()
  })

  it('refuses an EC key on a curve ECDH here does not support', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
    expectConfigError({ keys: [privateKey] }, 'decryption.keys', /not RSA, EC/)
  })

  it('is not a known option of an issuer config without this feature misspelt', () => {
    expect(() =>
      createVerifier({
        issuer: [{ issuer: ISSUER, keys: signer.publicJwk, decrypt: {} } as never],
        audience: AUDIENCE,
      }),
    ).toThrow(/"issuer\[0\]\.decrypt"/)
  })
})

function makePublicJwk() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' })
}
function publicPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    format: 'pem',
    type: 'spki',
  }) as string
}
function rsaPem(modulusLength: number): string {
  return generateKeyPairSync('rsa', { modulusLength }).privateKey.export({
    format: 'pem',
    type: 'pkcs8',
  }) as string
}
function edPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
}
