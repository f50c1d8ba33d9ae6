import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  claimPath,
  ConfigError,
  createVerifier,
  requireRoles,
  rolePresets,
  type AuthError,
  type VerifiedToken,
} from '@tokenguard/core'
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  verify as cryptoVerify,
  type JsonWebKey,
} from 'node:crypto'
import type { JWK } from 'jose'
import { attackFixture, expectInvalidToken, type AttackFixture } from '../support/attack.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { AUDIENCE, claims, ISSUER, NOW, sign } from '../support/keys.js'
import { rawSign } from '../support/raw-sign.js'

/** Holes found by an outside review (items 126–130): each reproduced, each closed, through the public API. */

let f: AttackFixture
beforeAll(async () => {
  f = await attackFixture()
})

describe('R126 validate passes only on a verdict of exactly true', () => {
  // A `Map.get` miss, a Redis SISMEMBER 0, a validator written as "throw when bad, return nothing".
  it.each([
    ['undefined', () => undefined],
    ['null', () => null],
    ['0', () => 0],
    ["''", () => ''],
    ['NaN', () => Number.NaN],
    ['a truthy non-boolean', () => 'yes'],
    ['an async undefined', async () => undefined],
  ])(
    '%s → 401 claim_invalid, on the first request and on the next (never cached as a pass)',
    async (_, fn) => {
      const verifier = f.verifier({ validate: fn as never })
      const token = await sign(f.rsa, claims())
      for (let round = 0; round < 2; round++) {
        const error = await expectInvalidToken(verifier.verify(token), 'claim_invalid')
        expect(error.claim).toBe('validate')
      }
      expect(verifier.cacheStats().size).toBe(0)
    },
  )

  it('true passes, and its verdict is cached with the token', async () => {
    let calls = 0
    const verifier = f.verifier({ validate: () => ++calls > 0 })
    const token = await sign(f.rsa, claims())
    await verifier.verify(token)
    await verifier.verify(token)
    expect(calls).toBe(1)
  })
})

describe('R127 sender-constrained tokens are refused until their binding is verified', () => {
  it.each([
    ['DPoP jkt (RFC 9449)', { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }],
    ['mTLS x5t#S256 (RFC 8705)', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
    ['an embedded jwk (RFC 7800)', { jwk: { kty: 'EC', crv: 'P-256', x: 'a', y: 'b' } }],
    ['an unknown member', { future: 1 }],
    ['an empty object', {}],
    ['null', null],
    ['a string', 'bound'],
    ['an array', []],
  ])('cnf as %s → 401 binding_unverified, never cached', async (_, cnf) => {
    const verifier = f.verifier()
    const token = await sign(f.rsa, claims({ cnf }))
    await expectInvalidToken(verifier.verify(token), 'binding_unverified', token)
    await expectInvalidToken(verifier.verify(token), 'binding_unverified', token)
    expect(verifier.cacheStats().size).toBe(0)
  })

  it('is refused in strict RFC 9068 mode, with every hook set, and with cache off', async () => {
    const token = await sign(f.rsa, claims({ cnf: { jkt: 'x' }, client_id: 'c', jti: 'j' }), {
      header: { typ: 'at+jwt' },
    })
    for (const options of [
      { tokenType: 'at+jwt' as const, validate: () => true, isRevoked: () => false },
      { cache: false as const },
    ])
      await expectInvalidToken(f.verifier(options).verify(token), 'binding_unverified')
  })

  it('a forged bound token is still a signature failure (no binding verdict before the signature)', async () => {
    const forged = await sign(f.attacker, claims({ cnf: { jkt: 'x' } }))
    await expectInvalidToken(f.verifier().verify(forged), 'signature_invalid')
  })

  it('a token without cnf is unaffected (control)', async () => {
    await expect(
      f.verifier().verify(await sign(f.rsa, claims({ cnfx: { jkt: 'x' } }))),
    ).resolves.toBeDefined()
  })
})

const auth = (payload: Record<string, unknown>): VerifiedToken =>
  ({ payload, header: { alg: 'RS256' }, token: 't' }) as unknown as VerifiedToken
const outcome = (run: () => void): number => {
  try {
    run()
    return 200
  } catch (error) {
    return (error as AuthError).status
  }
}

describe('R128 a role claim given as one string is one role', () => {
  it.each([
    ['roles', { roles: 'Billing admin' }],
    ['groups', { groups: 'Finance admin' }],
    ['cognito:groups', { 'cognito:groups': 'super admin' }],
    ['realm_access.roles', { realm_access: { roles: 'tenant admin' } }],
  ])('%s: "… admin" does not grant admin', (_, payload) => {
    expect(outcome(() => requireRoles('admin')(auth(payload)))).toBe(403)
    expect(outcome(() => requireRoles('admin', { match: 'any' })(auth(payload)))).toBe(403)
  })

  it('the whole string is the role, spaces and all', () => {
    expect(outcome(() => requireRoles('Billing admin')(auth({ roles: 'Billing admin' })))).toBe(200)
    expect(outcome(() => requireRoles('admin')(auth({ roles: 'admin' })))).toBe(200)
    expect(outcome(() => requireRoles('admin')(auth({ roles: ['Billing admin', 'admin'] })))).toBe(200)
  })

  it('scope claims stay space-delimited lists (control)', async () => {
    const { requireScopes } = await import('@tokenguard/core')
    expect(outcome(() => requireScopes('admin')(auth({ scope: 'read admin' })))).toBe(200)
    expect(outcome(() => requireScopes('admin')(auth({ scp: 'read admin' })))).toBe(200)
  })
})

describe('R129 a claim path is unambiguous', () => {
  // Another issuer's token in a multi-issuer verifier, with a top-level `roles`.
  const foreign = { roles: ['admin'], api: ['admin'], resource_access: ['admin'] }
  const keycloak = { resource_access: { api: { roles: ['admin'] } } }

  it('a preset passed without an array is one path: top-level look-alikes grant nothing', () => {
    const guard = requireRoles('admin', { claims: rolePresets.keycloakClient('api') })
    expect(outcome(() => guard(auth(foreign)))).toBe(403)
    expect(outcome(() => guard(auth(keycloak)))).toBe(200)
    const realm = requireRoles('admin', { claims: rolePresets.keycloakRealm })
    expect(outcome(() => realm(auth({ roles: ['admin'], realm_access: ['admin'] })))).toBe(403)
    expect(outcome(() => realm(auth({ realm_access: { roles: ['admin'] } })))).toBe(200)
  })

  it('the same preset in a list, and claimPath(...), read the same one path', () => {
    for (const claims of [
      [rolePresets.keycloakClient('api')],
      claimPath('resource_access', 'api', 'roles'),
    ]) {
      const guard = requireRoles('admin', { claims })
      expect(outcome(() => guard(auth(foreign)))).toBe(403)
      expect(outcome(() => guard(auth(keycloak)))).toBe(200)
    }
  })

  it('a bare string array is a list of top-level names, as its type says', () => {
    const guard = requireRoles('admin', { claims: ['resource_access', 'api', 'roles'] })
    expect(outcome(() => guard(auth({ api: ['admin'] })))).toBe(200)
    expect(outcome(() => guard(auth(keycloak)))).toBe(403)
  })

  it.each([
    ['a nested array', [['realm_access', 'roles']]],
    ['an array inside a list', ['roles', ['resource_access', 'api', 'roles']]],
    ['an empty list', []],
    ['an empty name', ['']],
    ['a look-alike object with extra members', { path: ['roles'], also: ['groups'] }],
    ['an object with an empty path', { path: [] }],
    ['a number', 1],
  ])('%s → ConfigError at start-up', (_, claims) => {
    expect(() => requireRoles('admin', { claims: claims as never })).toThrow(ConfigError)
    expect(() => requireRoles('admin', { claims: claims as never })).toThrow(/requireRoles\.claims/)
  })

  it('a misspelt guard option, and a bad preset or path argument, → ConfigError', () => {
    expect(() => requireRoles('admin', { claim: rolePresets.groups } as never)).toThrow(
      /requireRoles\.claim"/,
    )
    expect(() => rolePresets.keycloakClient('')).toThrow(ConfigError)
    expect(() => claimPath()).toThrow(ConfigError)
    expect(() => claimPath('a', '')).toThrow(ConfigError)
  })

  it('presets and paths are frozen, so no guard can be changed after start-up', () => {
    const path = rolePresets.keycloakClient('api')
    expect(Object.isFrozen(path) && Object.isFrozen(path.path)).toBe(true)
    expect(Object.isFrozen(rolePresets.keycloakRealm)).toBe(true)
  })
})

/** An RSA key with public exponent `e`, from a node-generated key's primes, as public and private JWKs. */
function rsaKeyWithExponent(e: bigint, bits = 3072): { publicJwk: JWK; privateJwk: JWK } {
  const base = generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ format: 'jwk' })
  const int = (v: string | undefined) => BigInt(`0x${Buffer.from(v as string, 'base64url').toString('hex')}`)
  const b64 = (v: bigint) => {
    const hex = v.toString(16)
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url')
  }
  const [p, q] = [int(base.p), int(base.q)]
  const phi = (p - 1n) * (q - 1n)
  // Modular inverse by the extended Euclidean algorithm; throws when e and phi share a factor.
  let [r0, r1, s0, s1] = [e % phi, phi, 1n, 0n]
  while (r1 !== 0n) {
    const quotient = r0 / r1
    ;[r0, r1, s0, s1] = [r1, r0 - quotient * r1, s1, s0 - quotient * s1]
  }
  if (r0 !== 1n) throw new Error('exponent not coprime')
  const d = ((s0 % phi) + phi) % phi
  const publicJwk: JWK = { kty: 'RSA', n: base.n as string, e: b64(e), kid: 'big-e', alg: 'RS256' }
  const privateJwk: JWK = {
    ...publicJwk,
    d: b64(d),
    p: base.p as string,
    q: base.q as string,
    dp: b64(d % (p - 1n)),
    dq: b64(d % (q - 1n)),
    qi: base.qi as string,
  }
  return { publicJwk, privateJwk }
}

/** The smallest odd exponent at or above `start` that is coprime to the key's phi. */
function keyWithExponentFrom(start: bigint, bits?: number) {
  for (let e = start | 1n; ; e += 2n) {
    try {
      return { e, ...rsaKeyWithExponent(e, bits) }
    } catch {
      // not coprime: try the next odd value
    }
  }
}

describe('R130 RSA public exponents above 2^32 are refused', () => {
  let huge: ReturnType<typeof keyWithExponentFrom>
  let justAbove: ReturnType<typeof keyWithExponentFrom>
  let server: JwksServer
  beforeAll(async () => {
    huge = keyWithExponentFrom(2n ** 3000n + 1n)
    justAbove = keyWithExponentFrom(2n ** 32n + 1n, 2048)
    server = await startJwksServer([huge.publicJwk])
  })
  afterAll(() => server.close())

  const token = (privateJwk: JWK) =>
    rawSign('RS256', privateJwk, { alg: 'RS256', kid: 'big-e' }, claims({ iss: server.issuer }))

  it('the keys are real: node:crypto verifies their signatures (so the refusal is about e alone)', () => {
    for (const key of [huge, justAbove]) {
      const [h, p, s] = token(key.privateJwk).split('.') as [string, string, string]
      const publicKey = createPrivateKey({ key: key.privateJwk as JsonWebKey, format: 'jwk' })
      expect(cryptoVerify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))).toBe(
        true,
      )
    }
  })

  it('a ~3000-bit exponent in a JWK Set is skipped: its tokens → 401 key_not_found', async () => {
    const verifier = createVerifier({ issuer: server.issuer, audience: AUDIENCE, now: () => NOW * 1000 })
    await expectInvalidToken(verifier.verify(token(huge.privateJwk)), 'key_not_found')
  })

  it('as a static key, a JWK or a PEM: ConfigError at start-up naming the option', () => {
    const pem = createPublicKey({ key: huge.publicJwk as JsonWebKey, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    })
    for (const keys of [huge.publicJwk, justAbove.publicJwk, pem as unknown as string]) {
      expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys })).toThrow(ConfigError)
      expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys })).toThrow(/"keys".*2\^32/)
    }
  })

  it('the largest exponent node can generate, 2^32 − 1, is accepted (the bound is exact)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicExponent: 2 ** 32 - 1,
    })
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k' } as JWK
    const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k' } as JWK
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: publicJwk,
      now: () => NOW * 1000,
    })
    await expect(
      verifier.verify(rawSign('RS256', privateJwk, { alg: 'RS256', kid: 'k' }, claims())),
    ).resolves.toBeDefined()
  })
})
