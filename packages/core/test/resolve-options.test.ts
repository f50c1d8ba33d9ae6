import { describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { generateKeyPairSync } from 'node:crypto'
import { expectConfigError } from './support/expect-error.js'

/**
 * Option validation (STYLE §3): every bad option throws a ConfigError naming it, at creation time.
 * Key-specific options (keys, secret, algorithms) are covered in resolve-options-keys.test.ts.
 */

const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' }
const base: VerifierOptions = { issuer: 'https://idp.example.com/', audience: 'api', keys: jwk }

function create(overrides: Record<string, unknown>, from: object = base) {
  return () => createVerifier({ ...from, ...overrides } as unknown as VerifierOptions)
}

describe('required options', () => {
  it('refuses a non-object', () => {
    expectConfigError(() => createVerifier(null as unknown as VerifierOptions), 'options')
  })

  it('requires issuer and audience, naming each', () => {
    expectConfigError(() => createVerifier({ audience: 'api', keys: jwk } as never), 'issuer')
    expectConfigError(
      () => createVerifier({ issuer: 'https://idp.example.com/', keys: jwk } as never),
      'audience',
    )
  })

  it('accepts null for issuer and audience as explicit opt-outs', () => {
    expect(() => createVerifier({ issuer: null, audience: null, keys: jwk })).not.toThrow()
  })

  it('requires a key source when issuer is null (nothing to discover from)', () => {
    expectConfigError(() => createVerifier({ issuer: null, audience: 'api' }), 'issuer')
  })

  it.each([[''], [[]], [['']], [[1]], [42], [['https://a/', { issuer: 'https://b/' }]]])(
    'refuses issuer %j',
    (issuer) => {
      expectConfigError(create({ issuer }), 'issuer')
    },
  )

  it.each([[''], [[]], [['api', '']], [7]])('refuses audience %j', (audience) => {
    expectConfigError(create({ audience }), 'audience')
  })

  it.each([
    'https://idp.example.com/?tenant=a',
    'https://idp.example.com/?',
    'https://idp.example.com/#a',
    'https://idp.example.com/#',
    'urn:example:idp?x',
  ])('refuses the issuer %s: a URL issuer has no query or fragment (RFC 8414 §2)', (issuer) => {
    expectConfigError(create({ issuer }), 'issuer')
    expectConfigError(create({ issuer: ['https://a/', issuer] }), 'issuer')
    expectConfigError(create({ issuer: [{ issuer, keys: jwk }], keys: undefined }), 'issuer[0].issuer')
  })

  it('accepts an issuer with ? or # that is not a URL (compared only, never fetched)', () => {
    expect(create({ issuer: 'idp #1?' })).not.toThrow()
  })

  it.each([[['https://a/', 'https://b/']], [[]], [''], [7]])(
    'refuses an issuer config whose issuer is %j: one issuer per entry',
    (issuer) => {
      expectConfigError(create({ issuer: [{ issuer, keys: jwk }], keys: undefined }), 'issuer[0].issuer')
    },
  )

  it('refuses the same issuer twice', () => {
    expectConfigError(create({ issuer: ['https://a/', 'https://a/'] }), 'issuer')
    expectConfigError(
      create(
        {
          issuer: [
            { issuer: 'https://a/', keys: jwk },
            { issuer: 'https://a/', keys: jwk },
          ],
        },
        { audience: 'x' },
      ),
      'issuer[1].issuer',
    )
  })

  it('refuses an issuer that cannot be discovered from when no keys are given', () => {
    expectConfigError(create({ issuer: 'not a url', keys: undefined }), 'issuer')
    expectConfigError(create({ issuer: 'http://idp.example.com/', keys: undefined }), 'issuer')
    // With explicit keys the issuer is only compared, never fetched: any string is fine.
    expect(create({ issuer: 'urn:example:idp' })).not.toThrow()
  })
})

describe('unknown options', () => {
  it.each([
    [{ audiences: 'api' }, 'audiences'],
    [{ jwks: { timout: 100 } }, 'jwks.timout'],
    [{ cache: { max: 10 } }, 'cache.max'],
  ])('refuses %j', (overrides, option) => {
    expectConfigError(create(overrides), option)
  })

  it('refuses unknown members of an issuer config', () => {
    expectConfigError(
      () =>
        createVerifier({
          issuer: [{ issuer: 'https://a/', keys: jwk, jwks_uri: 'x' } as never],
          audience: 'x',
        }),
      'issuer[0].jwks_uri',
    )
  })
})

describe('numbers and functions', () => {
  it.each([[-1], [301], [Number.NaN], ['5'], [Infinity]])('refuses clockTolerance %p', (clockTolerance) => {
    expectConfigError(create({ clockTolerance }), 'clockTolerance')
  })

  it('accepts clockTolerance at both bounds (0 and 300 s)', () => {
    expect(create({ clockTolerance: 0 })).not.toThrow()
    expect(create({ clockTolerance: 300 })).not.toThrow()
  })

  it.each([[0], [-5], ['60']])('refuses maxTokenAge %p', (maxTokenAge) => {
    expectConfigError(create({ maxTokenAge }), 'maxTokenAge')
  })

  it.each([[15], [2 * 1024 * 1024], [1.5e9]])('refuses maxTokenLength %p', (maxTokenLength) => {
    expectConfigError(create({ maxTokenLength }), 'maxTokenLength')
  })

  it.each([
    ['validate', 'yes'],
    ['isRevoked', true],
    ['now', 1_700_000_000_000],
  ])('refuses a non-function %s', (option, value) => {
    expectConfigError(create({ [option]: value }), option)
  })

  it.each([
    ['requiredClaims', 'exp'],
    ['requiredClaims', [1]],
    ['tokenType', 'JWT'],
    ['realm', 42],
  ])('refuses %s = %j', (option, value) => {
    expectConfigError(create({ [option]: value }), option)
  })
})

describe('jwksUri', () => {
  const remote = { issuer: 'https://idp.example.com/', audience: 'api' }

  it.each([
    'http://idp.example.com/jwks',
    'ftp://idp.example.com/jwks',
    'file:///etc/jwks.json',
    'jwks.json',
    'https://user:pass@idp.example.com/jwks',
    'http://localhost.evil.example/jwks',
    'http://127.0.0.1.nip.io/jwks',
    'http://[::2]/jwks',
  ])('refuses %s', (jwksUri) => {
    expectConfigError(create({ jwksUri }, remote), 'jwksUri')
  })

  it.each([
    'https://idp.example.com/jwks',
    'http://localhost:8080/jwks',
    'http://LOCALHOST/jwks',
    'http://127.0.0.1:3000/jwks',
    'http://127.10.20.30/jwks',
    'http://[::1]:8080/jwks',
  ])('accepts %s', (jwksUri) => {
    expect(create({ jwksUri }, remote)).not.toThrow()
  })

  it('refuses a non-string', () => {
    expectConfigError(create({ jwksUri: new URL('https://idp.example.com/jwks') }, remote), 'jwksUri')
  })

  it('refuses two key sources at once', () => {
    expectConfigError(create({ jwksUri: 'https://idp.example.com/jwks' }), 'keys')
  })
})

describe('jwks', () => {
  it('refuses a non-object', () => {
    expectConfigError(create({ jwks: 5 }), 'jwks')
    expectConfigError(create({ jwks: null }), 'jwks')
  })

  it.each([
    ['timeout', 0],
    ['timeout', 120_001],
    ['cooldown', -1],
    ['cacheMaxAge', Number.NaN],
    ['minCacheAge', -1],
    ['refreshAhead', '1000'],
    ['staleWindow', -1],
    ['maxResponseBytes', 0],
    ['maxKeys', 0],
    ['maxKeys', 10_001],
  ])('refuses jwks.%s = %p', (name, value) => {
    expectConfigError(create({ jwks: { [name]: value } }), `jwks.${name}`)
  })

  it('refuses maxCacheAge below minCacheAge', () => {
    expectConfigError(create({ jwks: { minCacheAge: 10_000, maxCacheAge: 5_000 } }), 'jwks.maxCacheAge')
  })

  it('refuses a non-function fetch', () => {
    expectConfigError(create({ jwks: { fetch: 'undici' } }), 'jwks.fetch')
  })

  it('accepts every documented member', () => {
    const jwks = {
      timeout: 1,
      cooldown: 0,
      cacheMaxAge: 0,
      minCacheAge: 0,
      maxCacheAge: 0,
      refreshAhead: 0,
      staleWindow: 0,
      maxResponseBytes: 1,
      maxKeys: 1,
      fetch: globalThis.fetch,
    }
    expect(create({ jwks })).not.toThrow()
  })
})

describe('cache', () => {
  it.each([[true], ['lru'], [null]])('refuses cache %p', (cache) => {
    expectConfigError(create({ cache }), 'cache')
  })

  it.each([
    ['maxEntries', 0],
    ['maxEntries', 1.5e300],
    ['maxBytes', 1023],
  ])('refuses cache.%s = %p', (name, value) => {
    expectConfigError(create({ cache: { [name]: value } }), `cache.${name}`)
  })

  it('accepts false and bounds', () => {
    expect(create({ cache: false })).not.toThrow()
    expect(create({ cache: { maxEntries: 1, maxBytes: 1024 } })).not.toThrow()
  })
})
