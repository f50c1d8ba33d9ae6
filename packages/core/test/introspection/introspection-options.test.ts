import { generateKeyPairSync } from 'node:crypto'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { expectConfigError } from '../support/expect-error.js'
import { AUDIENCE } from '../support/keys.js'

/** Every bad `introspection` option (and its neighbours) is a ConfigError at start-up naming the option. */

const ISSUER = 'https://idp.example.com/'
const OTHER = 'https://other-idp.example.com/'
const JWKS = 'https://idp.example.com/jwks'
const CLIENT = { clientId: 'orders-api', clientSecret: 'secret' }

let privateJwk: JWK
let publicJwk: JWK
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true })
  privateJwk = await exportJWK(pair.privateKey)
  publicJwk = await exportJWK(pair.publicKey)
})

/** One issuer config with `introspection` set to `value`. */
function withIntrospection(value: unknown): VerifierOptions {
  return {
    issuer: [{ issuer: ISSUER, jwksUri: JWKS, introspection: value as never }],
    audience: AUDIENCE,
  }
}

const start = (options: VerifierOptions) => () => createVerifier(options)
const at = 'issuer[0].introspection'

describe('introspection options of an issuer config', () => {
  it.each<[string, unknown, string]>([
    ['not an object', 'yes', at],
    ['null', null, at],
    ['without clientId', { clientSecret: 'secret' }, `${at}.clientId`],
    ['with an empty clientId', { clientId: '', clientSecret: 'secret' }, `${at}.clientId`],
    ['with a numeric clientId', { clientId: 7, clientSecret: 'secret' }, `${at}.clientId`],
    ['with an unknown option', { ...CLIENT, endpont: 'https://idp.example.com/i' }, `${at}.endpont`],
    ['with an unknown authMethod', { ...CLIENT, authMethod: 'tls_client_auth' }, `${at}.authMethod`],
    ['without clientSecret (basic)', { clientId: 'orders-api' }, `${at}.clientSecret`],
    [
      'without clientSecret (post)',
      { clientId: 'orders-api', authMethod: 'client_secret_post' },
      `${at}.clientSecret`,
    ],
    ['with an empty clientSecret', { clientId: 'orders-api', clientSecret: '' }, `${at}.clientSecret`],
    ['with a numeric clientSecret', { clientId: 'orders-api', clientSecret: 42 }, `${at}.clientSecret`],
    ['with tokens "jwt"', { ...CLIENT, tokens: 'jwt' }, `${at}.tokens`],
    ['with tokens true', { ...CLIENT, tokens: true }, `${at}.tokens`],
    ['with a string cache', { ...CLIENT, cache: 'yes' }, `${at}.cache`],
    ['with a null cache', { ...CLIENT, cache: null }, `${at}.cache`],
    ['with a numeric cache', { ...CLIENT, cache: 30 }, `${at}.cache`],
    ['with cache.ttl 0', { ...CLIENT, cache: { ttl: 0 } }, `${at}.cache.ttl`],
    ['with cache.ttl over a day', { ...CLIENT, cache: { ttl: 86_401 } }, `${at}.cache.ttl`],
    ['with a string cache.ttl', { ...CLIENT, cache: { ttl: '30' } }, `${at}.cache.ttl`],
    ['with cache.maxEntries 0', { ...CLIENT, cache: { maxEntries: 0 } }, `${at}.cache.maxEntries`],
    ['with an unknown cache option', { ...CLIENT, cache: { size: 5 } }, `${at}.cache.size`],
    ['with an http endpoint', { ...CLIENT, endpoint: 'http://idp.example.com/introspect' }, `${at}.endpoint`],
    ['with an endpoint that is no URL', { ...CLIENT, endpoint: 'introspect' }, `${at}.endpoint`],
    ['with a string signedResponse', { ...CLIENT, signedResponse: 'yes' }, `${at}.signedResponse`],
    ['with a string requiredClaims', { ...CLIENT, requiredClaims: 'exp' }, `${at}.requiredClaims`],
    ['with requiredClaims holding a number', { ...CLIENT, requiredClaims: [1] }, `${at}.requiredClaims`],
    ['with timeout 0', { ...CLIENT, timeout: 0 }, `${at}.timeout`],
    ['with maxResponseBytes 0', { ...CLIENT, maxResponseBytes: 0 }, `${at}.maxResponseBytes`],
    ['with maxInFlight 0', { ...CLIENT, maxInFlight: 0 }, `${at}.maxInFlight`],
    ['with maxInFlight 1.5e9', { ...CLIENT, maxInFlight: 1.5e9 }, `${at}.maxInFlight`],
  ])('refuses introspection %s', (_, value, option) => {
    expectConfigError(start(withIntrospection(value)), option)
  })

  it('refuses a privateKey with a client secret method, and a clientSecret with private_key_jwt', () => {
    expectConfigError(start(withIntrospection({ ...CLIENT, privateKey: privateJwk })), `${at}.privateKey`)
    expectConfigError(
      start(withIntrospection({ ...CLIENT, authMethod: 'private_key_jwt', privateKey: privateJwk })),
      `${at}.clientSecret`,
    )
  })

  it.each<[string, () => unknown]>([
    ['absent', () => undefined],
    ['a public JWK', () => publicJwk],
    ['a public KeyObject', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey],
    ['a string', () => 'private.pem'],
    ['null', () => null],
    ['an X25519 key (cannot sign)', () => generateKeyPairSync('x25519').privateKey],
    ['a secp256k1 key', () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey],
  ])('refuses private_key_jwt with a privateKey that is %s', (_, key) => {
    const value = { clientId: 'orders-api', authMethod: 'private_key_jwt', privateKey: key() }
    expectConfigError(start(withIntrospection(value)), `${at}.privateKey`)
  })

  it.each<[string, unknown]>([
    ['the minimum', CLIENT],
    ['cache true', { ...CLIENT, cache: true }],
    ['cache false', { ...CLIENT, cache: false }],
    ['a full cache', { ...CLIENT, cache: { ttl: 1, maxEntries: 1 } }],
    ['an https endpoint and every bound', { ...CLIENT, endpoint: 'https://idp.example.com/i', timeout: 1 }],
    ['a loopback http endpoint', { ...CLIENT, endpoint: 'http://127.0.0.1:9/introspect' }],
    ['client_secret_post', { ...CLIENT, authMethod: 'client_secret_post', tokens: 'all' }],
    ['signedResponse and requiredClaims', { ...CLIENT, signedResponse: true, requiredClaims: [] }],
  ])('accepts %s', (_, value) => {
    expect(createVerifier(withIntrospection(value)).needsRequestFacts).toBe(false)
  })

  it('accepts an http endpoint on a host listed in allowHttpHosts', () => {
    const options = withIntrospection({ ...CLIENT, endpoint: 'http://idp.internal:8080/introspect' })
    expect(() => createVerifier({ ...options, allowHttpHosts: ['idp.internal:8080'] })).not.toThrow()
  })
})

describe('where introspection may be set', () => {
  it('accepts a top-level introspection for one named issuer', () => {
    expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, introspection: CLIENT })).not.toThrow()
  })

  it('names the top-level option in its errors', () => {
    expectConfigError(
      () => createVerifier({ issuer: ISSUER, audience: AUDIENCE, introspection: { clientId: 'x' } }),
      'introspection.clientSecret',
    )
  })

  it('refuses a top-level introspection for several issuers: each needs its own client', () => {
    expectConfigError(
      () => createVerifier({ issuer: [ISSUER, OTHER], audience: AUDIENCE, introspection: CLIENT }),
      'introspection',
    )
  })

  it('refuses a top-level introspection next to a list of issuer configs', () => {
    const options = withIntrospection(undefined)
    expectConfigError(() => createVerifier({ ...options, introspection: CLIENT }), 'introspection')
  })

  it('refuses introspection with issuer: null (no identifier to hold answers to)', () => {
    expectConfigError(
      () => createVerifier({ issuer: null, jwksUri: JWKS, audience: AUDIENCE, introspection: CLIENT }),
      'introspection',
    )
  })

  it('refuses introspection with only resolveIssuer (no issuer named)', () => {
    expectConfigError(
      () => createVerifier({ resolveIssuer: () => undefined, audience: AUDIENCE, introspection: CLIENT }),
      'introspection',
    )
  })

  it('refuses introspection on an issuer template', () => {
    const template = { issuer: 'https://idp.example/{tenantid}', jwksUri: JWKS, tenants: ['a'] }
    expectConfigError(
      () => createVerifier({ issuer: [{ ...template, introspection: CLIENT }], audience: AUDIENCE }),
      'issuer[0].introspection',
    )
  })
})

describe('selectIntrospectionIssuer', () => {
  const two: VerifierOptions = {
    issuer: [
      { issuer: ISSUER, jwksUri: JWKS, introspection: CLIENT },
      { issuer: OTHER, jwksUri: 'https://other-idp.example.com/jwks', introspection: CLIENT },
    ],
    audience: AUDIENCE,
  }

  it('is required with two introspecting issuers: an opaque token must go to exactly one', () => {
    expectConfigError(() => createVerifier(two), 'selectIntrospectionIssuer')
  })

  it('makes the verifier ask adapters for the request facts', () => {
    const verifier = createVerifier({ ...two, selectIntrospectionIssuer: () => ISSUER })
    expect(verifier.needsRequestFacts).toBe(true)
  })

  it('is refused when no issuer introspects', () => {
    expectConfigError(
      () =>
        createVerifier({
          issuer: ISSUER,
          jwksUri: JWKS,
          audience: AUDIENCE,
          selectIntrospectionIssuer: () => ISSUER,
        }),
      'selectIntrospectionIssuer',
    )
  })

  it('must be a function', () => {
    expectConfigError(
      () => createVerifier({ ...two, selectIntrospectionIssuer: ISSUER as never }),
      'selectIntrospectionIssuer',
    )
  })

  it('is optional with one introspecting issuer among others', () => {
    const verifier = createVerifier({
      issuer: [
        { issuer: ISSUER, jwksUri: JWKS, introspection: CLIENT },
        { issuer: OTHER, jwksUri: 'https://other-idp.example.com/jwks' },
      ],
      audience: AUDIENCE,
    })
    expect(verifier.needsRequestFacts).toBe(false)
  })
})
