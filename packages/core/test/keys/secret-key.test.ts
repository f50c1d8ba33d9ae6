import { describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { createSecretKey, generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import { expectAuthError, expectConfigError } from '../support/expect-error.js'
import { AUDIENCE, claims, ISSUER, NOW } from '../support/keys.js'

/** HMAC secrets (`secret`): at least as long as the hash output (RFC 7518 §3.2), and only for HS*. */

const now = () => NOW * 1000

function verifier(secret: unknown, extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: secret as string, now, ...extra })
}

function mac(alg: string, secret: Uint8Array): Promise<string> {
  return new SignJWT(claims()).setProtectedHeader({ alg }).sign(secret)
}

describe('length (RFC 7518 §3.2)', () => {
  it.each([
    ['a 31-byte string', 'x'.repeat(31)],
    ['31 bytes', new Uint8Array(31)],
    ['a 31-byte secret KeyObject', createSecretKey(Buffer.alloc(31))],
    ['an empty string', ''],
  ])('refuses %s', (_name, secret) => {
    expectConfigError(() => verifier(secret), 'secret')
  })

  it('counts bytes, not characters', () => {
    expectConfigError(() => verifier('é'.repeat(15)), 'secret')
    expect(() => verifier('é'.repeat(16))).not.toThrow()
  })

  it.each([
    ['HS256', 31, 32],
    ['HS384', 47, 48],
    ['HS512', 63, 64],
  ])('%s needs %i+1 bytes', (alg, tooShort, enough) => {
    expectConfigError(
      () => verifier(new Uint8Array(tooShort).fill(1), { algorithms: [alg as 'HS256'] }),
      'secret',
    )
    expect(() => verifier(new Uint8Array(enough).fill(1), { algorithms: [alg as 'HS256'] })).not.toThrow()
  })

  it('by default allows only the algorithms the secret is long enough for', async () => {
    const secret = new Uint8Array(32).fill(7)
    const v = verifier(secret)
    await expect(v.verify(await mac('HS256', secret))).resolves.toBeDefined()
    await expectAuthError(v.verify(await mac('HS384', secret)), 'algorithm_not_allowed')
    await expectAuthError(v.verify(await mac('HS512', secret)), 'algorithm_not_allowed')
  })
})

describe('forms', () => {
  it('accepts a string, bytes and a secret KeyObject alike', async () => {
    const bytes = new TextEncoder().encode('s'.repeat(32))
    const token = await mac('HS256', bytes)
    for (const secret of ['s'.repeat(32), bytes, createSecretKey(Buffer.from(bytes))]) {
      await expect(verifier(secret).verify(token)).resolves.toBeDefined()
    }
  })

  it.each([
    ['a public KeyObject', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey],
    ['a number', () => 1234567890123456],
    ['null', () => null],
    ['a JWK', () => ({ kty: 'oct', k: 'a'.repeat(64) })],
  ])('refuses %s', (_name, make) => {
    expectConfigError(() => verifier(make()), 'secret')
  })

  it('cannot be combined with another key source', () => {
    expectConfigError(() => verifier('s'.repeat(32), { jwksUri: 'https://idp.example.com/jwks' }), 'secret')
  })
})
