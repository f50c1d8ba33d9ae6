import { describe, expect, it } from '@jest/globals'
import { ConfigError, createVerifier, type VerifierOptions } from '@tokenguard/core'
import { AUDIENCE } from '../support/keys.js'

/** Multi-tenant options are checked at start-up: each bad one throws a `ConfigError` naming it. */

const ENTRA = 'https://login.microsoftonline.com/{tenantid}/v2.0'
const JWKS = 'https://login.microsoftonline.com/common/discovery/v2.0/keys'

function configError(options: Record<string, unknown>): string {
  try {
    createVerifier({ audience: AUDIENCE, ...options } as unknown as VerifierOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('no ConfigError')
}

describe('issuer templates and resolveIssuer options', () => {
  it.each([
    [{ issuer: [{ issuer: ENTRA, jwksUri: JWKS }] }, 'issuer[0].tenants'],
    [
      { issuer: [{ issuer: ENTRA, jwksUri: JWKS, tenants: ['a'], isTenantAllowed: () => true }] },
      'issuer[0].tenants',
    ],
    [{ issuer: [{ issuer: ENTRA, jwksUri: JWKS, tenants: [] }] }, 'issuer[0].tenants'],
    [{ issuer: [{ issuer: ENTRA, jwksUri: JWKS, tenants: ['../x'] }] }, 'issuer[0].tenants'],
    [{ issuer: [{ issuer: ENTRA, jwksUri: JWKS, tenants: 'a' }] }, 'issuer[0].tenants'],
    [{ issuer: [{ issuer: ENTRA, jwksUri: JWKS, isTenantAllowed: true }] }, 'issuer[0].isTenantAllowed'],
    [
      { issuer: [{ issuer: 'https://idp.example/{tenantid}', jwksUri: JWKS, tenants: ['a'] }] },
      'issuer[0].tenantClaim',
    ],
    [
      { issuer: [{ issuer: ENTRA, jwksUri: JWKS, tenants: ['a'], tenantClaim: '' }] },
      'issuer[0].tenantClaim',
    ],
    [
      {
        issuer: [{ issuer: 'https://{tenantid}.example/', jwksUri: JWKS, tenants: ['a'], tenantClaim: 't' }],
      },
      'issuer[0].issuer',
    ],
    [
      { issuer: [{ issuer: ENTRA, jwksUri: 'https://keys.example/?t={tenantid}', tenants: ['a'] }] },
      'issuer[0].jwksUri',
    ],
    [
      { issuer: [{ issuer: ENTRA, jwksUri: 'http://keys.example/jwks', tenants: ['a'] }] },
      'issuer[0].jwksUri',
    ],
    [
      { issuer: [{ issuer: ENTRA, jwksUri: JWKS, tenants: ['a'], decryption: { keys: [] } }] },
      'issuer[0].decryption',
    ],
    [{ issuer: [{ issuer: 'https://idp.example/', jwksUri: JWKS, tenants: ['a'] }] }, 'issuer[0].tenants'],
    [
      { issuer: [{ issuer: 'https://idp.example/', jwksUri: JWKS, tenantClaim: 'tid' }] },
      'issuer[0].tenantClaim',
    ],
    [{ issuer: ENTRA, jwksUri: JWKS }, 'issuer'],
    [{ resolveIssuer: 'no' }, 'resolveIssuer'],
    [{ issuer: null, jwksUri: JWKS, resolveIssuer: () => undefined }, 'resolveIssuer'],
    [{ issuer: undefined }, 'issuer'],
    [{ resolveIssuer: () => undefined, issuerCache: 'big' }, 'issuerCache'],
    [{ resolveIssuer: () => undefined, issuerCache: { size: 1 } }, 'issuerCache.size'],
    [{ resolveIssuer: () => undefined, issuerCache: { maxEntries: 0 } }, 'issuerCache.maxEntries'],
    [{ resolveIssuer: () => undefined, issuerCache: { maxEntries: 2.5 } }, 'issuerCache.maxEntries'],
    [{ resolveIssuer: () => undefined, issuerCache: { maxEntries: 1_000_001 } }, 'issuerCache.maxEntries'],
    [
      { resolveIssuer: () => undefined, issuerCache: { maxNegativeEntries: Infinity } },
      'issuerCache.maxNegativeEntries',
    ],
    [{ resolveIssuer: () => undefined, issuerCache: { ttl: Number.NaN } }, 'issuerCache.ttl'],
    [{ resolveIssuer: () => undefined, issuerCache: { negativeTtl: -1 } }, 'issuerCache.negativeTtl'],
    [
      { resolveIssuer: () => undefined, issuerCache: { maxResolvesPerMinute: 0 } },
      'issuerCache.maxResolvesPerMinute',
    ],
    [
      { resolveIssuer: () => undefined, issuerCache: { maxNegativeEntries: '9' } },
      'issuerCache.maxNegativeEntries',
    ],
  ])('refuses %j naming %s', (options, option) => {
    expect(configError(options)).toContain(`"${option}"`)
  })

  it('accepts an Entra template with tid by default, and a resolver with issuer omitted', () => {
    expect(() =>
      createVerifier({ issuer: [{ issuer: ENTRA, jwksUri: JWKS, tenants: ['a'] }], audience: AUDIENCE }),
    ).not.toThrow()
    const sts = 'https://sts.windows.net/{tenantid}/'
    expect(() =>
      createVerifier({
        issuer: [{ issuer: sts, jwksUri: JWKS, isTenantAllowed: () => true }],
        audience: AUDIENCE,
      }),
    ).not.toThrow()
    expect(() =>
      createVerifier({ issuer: [], audience: AUDIENCE, resolveIssuer: () => undefined }),
    ).not.toThrow()
  })
})
