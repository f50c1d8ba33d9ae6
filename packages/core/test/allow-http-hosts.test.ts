import { beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { isAllowedKeyUrl, resolveAllowHttpHosts } from '../src/url-policy.js'
import { expectAuthError, expectConfigError } from './support/expect-error.js'
import { AUDIENCE, claims, makeKey, NOW, sign, type TestKey } from './support/keys.js'

/** `allowHttpHosts`: plain http for listed hosts only (issuer, jwksUri, discovered jwks_uri). */

const KEYCLOAK = 'http://keycloak:8080/realms/dev'

describe('resolveAllowHttpHosts and isAllowedKeyUrl', () => {
  it('refuses plain http on a non-loopback host by default', () => {
    expect(isAllowedKeyUrl(new URL(KEYCLOAK))).toBe(false)
    expect(isAllowedKeyUrl(new URL('http://127.0.0.1:9/x'))).toBe(true)
    expect(isAllowedKeyUrl(new URL('https://keycloak/x'))).toBe(true)
  })

  it('allows exactly the listed host and port', () => {
    const hosts = resolveAllowHttpHosts(['KeyCloak:8080'])
    expect(isAllowedKeyUrl(new URL(KEYCLOAK), hosts)).toBe(true)
    expect(isAllowedKeyUrl(new URL('http://keycloak:8081/'), hosts)).toBe(false)
    expect(isAllowedKeyUrl(new URL('http://keycloak/'), hosts)).toBe(false)
    expect(isAllowedKeyUrl(new URL('http://evil.keycloak:8080/'), hosts)).toBe(false)
    expect(isAllowedKeyUrl(new URL('ftp://keycloak:8080/'), hosts)).toBe(false)
    expect(isAllowedKeyUrl(new URL('http://keycloak/'), resolveAllowHttpHosts(['keycloak']))).toBe(true)
  })

  it.each([
    'http://keycloak:8080',
    'keycloak:8080/realms',
    '*.example.com',
    'keycloak:80',
    'user@keycloak',
    'a b',
    '',
    'k?x',
    'k#x',
  ])('refuses the entry %j at start-up', (entry) => {
    expectConfigError(() => resolveAllowHttpHosts([entry]), 'allowHttpHosts[0]')
  })

  it('refuses anything but an array', () => {
    expectConfigError(() => resolveAllowHttpHosts('keycloak:8080'), 'allowHttpHosts')
    expectConfigError(() => resolveAllowHttpHosts(true), 'allowHttpHosts')
  })
})

describe('createVerifier with allowHttpHosts', () => {
  let key: TestKey
  beforeAll(async () => {
    key = await makeKey('ES256')
  })

  /** A fetch stub standing in for Keycloak on the compose network: metadata, then the JWK Set. */
  function keycloak(jwksUri: string, seen: string[] = []): typeof fetch {
    return async (input) => {
      const url = String(input)
      seen.push(url)
      if (url === `${KEYCLOAK}/.well-known/openid-configuration`)
        return Response.json({ issuer: KEYCLOAK, jwks_uri: jwksUri })
      if (url === jwksUri) return Response.json({ keys: [key.publicJwk] })
      return new Response('not found', { status: 404 })
    }
  }

  const options = (extra: Partial<VerifierOptions>): VerifierOptions => ({
    issuer: KEYCLOAK,
    audience: AUDIENCE,
    now: () => NOW * 1000,
    ...extra,
  })

  it('refuses an http issuer on a non-loopback host by default', () => {
    expectConfigError(() => createVerifier(options({})), 'issuer')
    expectConfigError(() => createVerifier(options({ allowHttpHosts: ['keycloak:9090'] })), 'issuer')
  })

  it('refuses an http jwksUri unless its host is listed', () => {
    const jwksUri = `${KEYCLOAK}/protocol/openid-connect/certs`
    expectConfigError(() => createVerifier(options({ issuer: 'https://idp.example', jwksUri })), 'jwksUri')
    expect(() =>
      createVerifier(options({ issuer: 'https://idp.example', jwksUri, allowHttpHosts: ['keycloak:8080'] })),
    ).not.toThrow()
    expectConfigError(
      () => createVerifier({ issuer: [{ issuer: 'https://idp.example', jwksUri }], audience: AUDIENCE }),
      'issuer[0].jwksUri',
    )
  })

  it('discovers and fetches keys over http from a listed host', async () => {
    const jwksUri = `${KEYCLOAK}/protocol/openid-connect/certs`
    const seen: string[] = []
    const verifier = createVerifier(
      options({ allowHttpHosts: ['keycloak:8080'], jwks: { fetch: keycloak(jwksUri, seen) } }),
    )
    const token = await sign(key, claims({ iss: KEYCLOAK }))
    await expect(verifier.verify(token)).resolves.toMatchObject({ payload: { iss: KEYCLOAK } })
    expect(seen).toEqual([`${KEYCLOAK}/.well-known/openid-configuration`, jwksUri])
  })

  it('refuses a discovered http jwks_uri on a host that is not listed', async () => {
    const seen: string[] = []
    const verifier = createVerifier(
      options({
        allowHttpHosts: ['keycloak:8080'],
        jwks: { fetch: keycloak('http://keys.internal:8080/certs', seen) },
      }),
    )
    const token = await sign(key, claims({ iss: KEYCLOAK }))
    await expectAuthError(verifier.verify(token), 'keys_unavailable')
    expect(seen).not.toContain('http://keys.internal:8080/certs')
  })

  it('refuses a discovered http jwks_uri for an https issuer by default', async () => {
    const issuer = 'https://idp.example/'
    const fetchStub: typeof fetch = async (input) =>
      String(input).startsWith(`${issuer}.well-known`) || String(input).includes('/.well-known/')
        ? Response.json({ issuer, jwks_uri: `${KEYCLOAK}/certs` })
        : Response.json({ keys: [key.publicJwk] })
    const verifier = createVerifier({
      issuer,
      audience: AUDIENCE,
      now: () => NOW * 1000,
      jwks: { fetch: fetchStub },
    })
    await expectAuthError(verifier.verify(await sign(key, claims({ iss: issuer }))), 'keys_unavailable')
    const allowed = createVerifier({
      issuer,
      audience: AUDIENCE,
      now: () => NOW * 1000,
      jwks: { fetch: fetchStub },
      allowHttpHosts: ['keycloak:8080'],
    })
    await expect(allowed.verify(await sign(key, claims({ iss: issuer })))).resolves.toBeDefined()
  })
})
