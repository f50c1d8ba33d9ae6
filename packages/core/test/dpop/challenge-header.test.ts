import { describe, expect, it } from '@jest/globals'
import { AuthError, challengeHeader } from '@tokenguard/core'

const algs = ['ES256', 'EdDSA']

describe('challengeHeader', () => {
  it('is one Bearer challenge by default, as bearerChallenge makes it', () => {
    expect(challengeHeader({})).toBe('Bearer')
    expect(challengeHeader({ realm: 'api' }, { error: 'invalid_token', scope: ['a b', 'c'] })).toBe(
      'Bearer realm="api", error="invalid_token", scope="c"',
    )
  })

  it('offers both schemes, the error in the scheme the request used', () => {
    const both = { realm: 'api', dpopAlgorithms: algs }
    expect(challengeHeader(both)).toBe('Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA"')
    expect(challengeHeader({ ...both, scheme: 'Bearer' }, { error: 'invalid_token' })).toBe(
      'Bearer realm="api", error="invalid_token", DPoP realm="api", algs="ES256 EdDSA"',
    )
    expect(challengeHeader({ ...both, scheme: 'DPoP' }, { error: 'invalid_token' })).toBe(
      'Bearer realm="api", DPoP realm="api", error="invalid_token", algs="ES256 EdDSA"',
    )
  })

  it('puts RFC 9449 errors in the DPoP challenge whatever the scheme', () => {
    expect(challengeHeader({ dpopAlgorithms: algs }, { error: 'use_dpop_nonce', dpopOnly: true })).toBe(
      'Bearer, DPoP error="use_dpop_nonce", algs="ES256 EdDSA"',
    )
  })

  it('offers DPoP only when Bearer is not accepted', () => {
    expect(
      challengeHeader({ bearer: false, dpopAlgorithms: algs, scheme: 'Bearer' }, { error: 'invalid_token' }),
    ).toBe('DPoP error="invalid_token", algs="ES256 EdDSA"')
    // `bearer: false` without DPoP would offer nothing: Bearer stays.
    expect(challengeHeader({ bearer: false })).toBe('Bearer')
  })

  it('carries resource_metadata in every challenge, and strips unsafe characters from algs', () => {
    expect(
      challengeHeader({ dpopAlgorithms: ['ES256', 'bad alg"'], resourceMetadata: 'https://a/.well-known/x' }),
    ).toBe(
      'Bearer resource_metadata="https://a/.well-known/x", DPoP resource_metadata="https://a/.well-known/x", algs="ES256"',
    )
  })
})

describe('AuthError challenges', () => {
  it('sends DPoP-Nonce with the challenge when the context has a nonce', () => {
    const error = new AuthError('dpop_nonce_required', {
      challenge: { dpopAlgorithms: algs, scheme: 'DPoP', nonce: 'n1' },
    })
    expect(error.headers).toEqual({
      'WWW-Authenticate':
        'Bearer, DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256 EdDSA"',
      'DPoP-Nonce': 'n1',
    })
  })

  it('withChallenge rebuilds the headers and keeps code, scope, claim and reason', () => {
    const error = new AuthError('insufficient_scope', {
      scope: ['read'],
      claim: 'scope',
      reason: { message: 'm' },
    })
    const again = error.withChallenge({ realm: 'r', dpopAlgorithms: algs, scheme: 'DPoP' })
    expect(again).toMatchObject({ code: 'insufficient_scope', scope: ['read'], claim: 'scope' })
    expect(again.reason.message).toBe('m')
    expect(again.headers['WWW-Authenticate']).toBe(
      'Bearer realm="r", DPoP realm="r", error="insufficient_scope", error_description="The access token lacks the required permissions", scope="read", algs="ES256 EdDSA"',
    )
  })

  it('withRealm keeps the rest of the challenge', () => {
    const error = new AuthError('token_expired', {
      challenge: { dpopAlgorithms: algs, scheme: 'Bearer' },
    }).withRealm('x')
    expect(error.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="x", error="invalid_token", .*DPoP realm="x", algs=/,
    )
  })

  it('a 503 has no challenge, whatever the context', () => {
    const error = new AuthError('replay_store_unavailable', {
      challenge: { dpopAlgorithms: algs, nonce: 'n' },
    })
    expect(error.headers).toEqual({ 'Retry-After': '5' })
    expect(error.status).toBe(503)
  })
})
