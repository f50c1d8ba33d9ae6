import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createHmac, generateKeyPairSync, KeyObject } from 'node:crypto'
import { exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose'
import { expectAuthError, expectConfigError } from './support/expect-error.js'
import {
  AUDIENCE,
  b64url,
  claims,
  compact,
  ISSUER,
  makeKey,
  NOW,
  sign,
  type TestKey,
} from './support/keys.js'

/** The algorithm allowlist (RFC 8725 §3.1, §3.2): defaults, `none`, HMAC only with a secret, per issuer. */

const now = () => NOW * 1000
const SECRET = 'a'.repeat(64)

/** A key not bound to one algorithm (a KeyObject), so one RSA key can sign RS* and PS*. */
interface AnyAlgKey {
  privateKey: KeyObject
  jwk: JWK
}

function keyWithoutAlg(type: 'rsa' | 'ec' | 'ed25519', kid: string, namedCurve?: string): AnyAlgKey {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: namedCurve as string })
        : generateKeyPairSync('ed25519')
  return { privateKey: pair.privateKey, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid } as JWK }
}

function signWith(key: AnyAlgKey, alg: string, payload = claims()): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.jwk.kid as string }).sign(key.privateKey)
}

function hmac(alg: 'HS256' | 'HS384' | 'HS512', secret: string | Buffer, header: object = {}): string {
  const signingInput = `${b64url(JSON.stringify({ alg, ...header }))}.${b64url(JSON.stringify(claims()))}`
  const hash = `sha${alg.slice(2)}`
  return `${signingInput}.${createHmac(hash, secret).update(signingInput).digest('base64url')}`
}

let rsa: AnyAlgKey
let p256: AnyAlgKey
let p384: AnyAlgKey
let p521: AnyAlgKey
let ed: AnyAlgKey
beforeAll(() => {
  rsa = keyWithoutAlg('rsa', 'rsa')
  p256 = keyWithoutAlg('ec', 'p256', 'P-256')
  p384 = keyWithoutAlg('ec', 'p384', 'P-384')
  p521 = keyWithoutAlg('ec', 'p521', 'P-521')
  ed = keyWithoutAlg('ed25519', 'ed')
})

function asymmetricVerifier(extra: Record<string, unknown> = {}) {
  const keys = { keys: [rsa.jwk, p256.jwk, p384.jwk, p521.jwk, ed.jwk] }
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, now, ...extra })
}

describe('default allowlist', () => {
  it.each([
    ['RS256', () => rsa],
    ['RS384', () => rsa],
    ['RS512', () => rsa],
    ['PS256', () => rsa],
    ['PS384', () => rsa],
    ['PS512', () => rsa],
    ['ES256', () => p256],
    ['ES384', () => p384],
    ['ES512', () => p521],
    ['EdDSA', () => ed],
  ])('accepts %s', async (alg, key) => {
    const { header } = await asymmetricVerifier().verify(await signWith(key(), alg))
    expect(header.alg).toBe(alg)
  })

  it('does not include the fully-specified Ed25519 name unless configured', async () => {
    const token = await signWith(ed, 'Ed25519')
    await expectAuthError(asymmetricVerifier().verify(token), 'algorithm_not_allowed')
    const { header } = await asymmetricVerifier({ algorithms: ['Ed25519'] }).verify(token)
    expect(header.alg).toBe('Ed25519')
  })

  it('honours a narrower allowlist', async () => {
    const verifier = asymmetricVerifier({ algorithms: ['ES256'] })
    await expect(verifier.verify(await signWith(p256, 'ES256'))).resolves.toBeDefined()
    await expectAuthError(verifier.verify(await signWith(rsa, 'RS256')), 'algorithm_not_allowed')
  })

  it.each(['rs256', 'Rs256', 'RS256 ', 'ES256K', 'RS1'])(
    'rejects the alg %j (exact, case-sensitive)',
    async (alg) => {
      const token = compact({ alg, kid: 'rsa' }, claims())
      await expectAuthError(asymmetricVerifier().verify(token), 'algorithm_not_allowed')
    },
  )
})

describe('none', () => {
  const spellings = ['none', 'None', 'NONE', 'nOnE']

  it.each(spellings)(
    'rejects alg %j with a signature, with or without an explicit allowlist',
    async (alg) => {
      for (const verifier of [asymmetricVerifier(), asymmetricVerifier({ algorithms: ['RS256'] })]) {
        await expectAuthError(verifier.verify(compact({ alg }, claims(), 'c2ln')), 'algorithm_not_allowed')
        await expectAuthError(
          verifier.verify(compact({ alg, kid: 'rsa' }, claims(), 'c2ln')),
          'algorithm_not_allowed',
        )
      }
    },
  )

  it.each(spellings)('rejects alg %j with an empty signature', async (alg) => {
    await expectAuthError(
      asymmetricVerifier().verify(`${compact({ alg }, claims())}`.replace(/c2ln$/, '')),
      'token_malformed',
    )
  })

  it('rejects none for issuer null and for secrets too', async () => {
    const anyIssuer = createVerifier({ issuer: null, audience: null, keys: rsa.jwk, now })
    await expectAuthError(
      anyIssuer.verify(compact({ alg: 'none' }, claims(), 'c2ln')),
      'algorithm_not_allowed',
    )
    const hs = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, now })
    await expectAuthError(hs.verify(compact({ alg: 'none' }, claims(), 'c2ln')), 'algorithm_not_allowed')
  })

  it('is refused as a configured algorithm', () => {
    expectConfigError(() => asymmetricVerifier({ algorithms: ['none'] }), 'algorithms')
  })
})

describe('HMAC', () => {
  it('rejects HS tokens when no secret is configured, whatever they are MACed with', async () => {
    const pem = await exportSPKI((await generateKeyPair('RS256', { extractable: true })).publicKey)
    const verifier = asymmetricVerifier()
    await expectAuthError(verifier.verify(hmac('HS256', pem, { kid: 'rsa' })), 'algorithm_not_allowed')
    await expectAuthError(verifier.verify(hmac('HS256', JSON.stringify(rsa.jwk))), 'algorithm_not_allowed')
  })

  it('with a secret accepts HS256/384/512 and nothing else', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, now })
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      const { header } = await verifier.verify(hmac(alg, SECRET))
      expect(header.alg).toBe(alg)
    }
    await expectAuthError(verifier.verify(await signWith(rsa, 'RS256')), 'algorithm_not_allowed')
    await expectAuthError(verifier.verify(hmac('HS256', 'b'.repeat(64))), 'signature_invalid')
  })

  it('narrows the HMAC algorithms with "algorithms"', async () => {
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      secret: SECRET,
      algorithms: ['HS512'],
      now,
    })
    await expect(verifier.verify(hmac('HS512', SECRET))).resolves.toBeDefined()
    await expectAuthError(verifier.verify(hmac('HS256', SECRET)), 'algorithm_not_allowed')
  })

  it('allows HS only with a secret, and never mixed with asymmetric algorithms', () => {
    expectConfigError(() => asymmetricVerifier({ algorithms: ['HS256'] }), 'algorithms')
    expectConfigError(() => asymmetricVerifier({ algorithms: ['RS256', 'HS256'] }), 'algorithms')
    const withSecret = { issuer: ISSUER, audience: AUDIENCE, secret: SECRET }
    expectConfigError(() => createVerifier({ ...withSecret, algorithms: ['HS256', 'RS256'] }), 'algorithms')
    expectConfigError(() => createVerifier({ ...withSecret, algorithms: ['ES256'] }), 'algorithms')
  })
})

describe('allowlist option', () => {
  it.each([[[]], ['RS256'], [['RS256', 'XS256']], [[256]]])('refuses algorithms %j', (algorithms) => {
    expectConfigError(() => asymmetricVerifier({ algorithms }), 'algorithms')
  })
})

describe('per-issuer algorithms', () => {
  let a: TestKey
  let b: TestKey
  beforeAll(async () => {
    ;[a, b] = await Promise.all([makeKey('ES256'), makeKey('ES384')])
  })

  it('applies each issuer its own list, falling back to the top-level one', async () => {
    const verifier = createVerifier({
      issuer: [
        {
          issuer: 'https://a.example/',
          keys: [a.publicJwk, { ...b.publicJwk, kid: 'b-on-a' }],
          algorithms: ['ES256'],
        },
        { issuer: 'https://b.example/', keys: b.publicJwk },
      ],
      audience: AUDIENCE,
      algorithms: ['ES384'],
      now,
    })
    await expect(verifier.verify(await sign(a, claims({ iss: 'https://a.example/' })))).resolves.toBeDefined()
    const es384OnA = await sign({ ...b, kid: 'b-on-a' }, claims({ iss: 'https://a.example/' }))
    await expectAuthError(verifier.verify(es384OnA), 'algorithm_not_allowed')
    await expect(verifier.verify(await sign(b, claims({ iss: 'https://b.example/' })))).resolves.toBeDefined()
    const es256OnB = await sign({ ...a, kid: b.kid }, claims({ iss: 'https://b.example/' }))
    await expectAuthError(verifier.verify(es256OnB), 'algorithm_not_allowed')
  })

  it('names the issuer entry of a bad list', () => {
    expectConfigError(
      () =>
        createVerifier({
          issuer: [{ issuer: 'https://a.example/', keys: a.publicJwk, algorithms: ['HS256'] }],
          audience: 'x',
        }),
      'issuer[0].algorithms',
    )
  })
})

describe('key alg binding', () => {
  it('rejects a token whose alg differs from the key alg, even when the key could compute it', async () => {
    const key = await makeKey('RS256')
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: key.publicJwk, now })
    await expect(verifier.verify(await sign(key, claims()))).resolves.toBeDefined()
    const anyAlg = { privateKey: KeyObject.from(key.privateKey), jwk: key.publicJwk }
    for (const alg of ['RS512', 'PS256']) {
      await expectAuthError(verifier.verify(await signWith(anyAlg, alg)), 'key_not_found')
    }
  })

  it('rejects an EC key used with another curve alg', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: p384.jwk, now })
    const forged = compact({ alg: 'ES256', kid: 'p384' }, claims(), 'c2ln')
    await expectAuthError(verifier.verify(forged), 'key_not_found')
  })
})
