import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createMemoryRevocationStore,
  createVerifier,
  profiles,
  type AuthErrorCode,
  type VerifierOptions,
} from '@tokenguard/core'
import { expectAuthError } from '../support/expect-error.js'
import { AUDIENCE } from '../support/keys.js'
import {
  activeClaims,
  json,
  optionsFor,
  opaqueToken,
  startIntrospectionServer,
  type IntrospectionServer,
} from './introspection-server.js'

/** An active answer is held to the claim policy of JWTs, and every check after the signature. */

let server: IntrospectionServer
beforeAll(async () => {
  server = await startIntrospectionServer()
})
afterAll(() => server.close())
afterEach(() => {
  server.answer = json(activeClaims())
})

const now = () => Math.floor(Date.now() / 1000)

/** Verifies an opaque token whose active answer is `activeClaims(overrides)`. */
async function verifyAnswer(
  overrides: Record<string, unknown>,
  extra: Partial<VerifierOptions> = {},
  introspection: Record<string, unknown> = {},
) {
  server.answer = json(activeClaims(overrides))
  return createVerifier(await optionsFor(server, introspection, extra)).verify(opaqueToken())
}

describe('aud', () => {
  it('must name this API', async () => {
    await expectAuthError(verifyAnswer({ aud: 'https://other-api.example' }), 'claim_invalid')
    await expect(verifyAnswer({ aud: ['https://other-api.example', AUDIENCE] })).resolves.toBeDefined()
  })

  it('is required when missing, unless audience: null opts out', async () => {
    const error = await expectAuthError(verifyAnswer({ aud: undefined }), 'claim_invalid')
    expect(error.claim).toBe('aud')
    await expect(verifyAnswer({ aud: undefined }, { audience: null })).resolves.toBeDefined()
  })
})

describe('iss', () => {
  it('may be absent (the answer comes from the issuer’s own endpoint): the payload then names the issuer', async () => {
    const { payload } = await verifyAnswer({ iss: undefined })
    expect(payload.iss).toBe(server.issuer)
    await expect(verifyAnswer({ iss: server.issuer })).resolves.toBeDefined()
  })

  it('must be the issuer when present', async () => {
    const error = await expectAuthError(verifyAnswer({ iss: 'https://evil.example/' }), 'claim_invalid')
    expect(error.claim).toBe('iss')
    await expectAuthError(verifyAnswer({ iss: 42 }), 'claim_invalid')
  })
})

describe('times', () => {
  it.each<[string, Record<string, unknown>, AuthErrorCode]>([
    ['an exp past the clock tolerance', { exp: now() - 60 }, 'token_expired'],
    ['an nbf in the future', { nbf: now() + 600 }, 'token_not_yet_valid'],
    ['an iat in the future', { iat: now() + 600 }, 'claim_invalid'],
    ['no exp (required by default)', { exp: undefined }, 'claim_invalid'],
    ['a string exp', { exp: String(now() + 600) }, 'claim_invalid'],
  ])('refuses an answer with %s', async (_, overrides, code) => {
    await expectAuthError(verifyAnswer(overrides), code)
  })

  it('applies maxTokenAge to the answer’s iat', async () => {
    await expectAuthError(verifyAnswer({ iat: now() - 7200 }, { maxTokenAge: 60 }), 'token_expired')
    await expect(verifyAnswer({ iat: now() - 10 }, { maxTokenAge: 60 })).resolves.toBeDefined()
  })
})

describe('requiredClaims', () => {
  it('of the verifier apply to answers', async () => {
    const error = await expectAuthError(
      verifyAnswer({}, { requiredClaims: ['exp', 'tenant'] }),
      'claim_invalid',
    )
    expect(error.claim).toBe('tenant')
    await expect(verifyAnswer({ tenant: 't1' }, { requiredClaims: ['exp', 'tenant'] })).resolves.toBeDefined()
  })

  it('of the issuer’s introspection replace the verifier’s', async () => {
    const perIssuer = { requiredClaims: ['client_id'] }
    const error = await expectAuthError(
      verifyAnswer({ exp: undefined }, { requiredClaims: ['exp', 'tenant'] }, perIssuer),
      'claim_invalid',
    )
    expect(error.claim).toBe('client_id')
    await expect(
      verifyAnswer({ exp: undefined, client_id: 'web' }, { requiredClaims: ['exp', 'tenant'] }, perIssuer),
    ).resolves.toBeDefined()
  })
})

describe('RFC 7662 members', () => {
  it.each(['scope', 'client_id', 'username', 'token_type'])(
    'refuses a %s that is not a string',
    async (claim) => {
      const error = await expectAuthError(verifyAnswer({ [claim]: ['x'] }), 'claim_invalid')
      expect(error.claim).toBe(claim)
    },
  )

  it.each(['refresh_token', 'id_token', 'N_A', 'urn:ietf:params:oauth:token-type:refresh_token'])(
    'refuses token_type %s: not an access token',
    async (type) => {
      const error = await expectAuthError(verifyAnswer({ token_type: type }), 'claim_invalid')
      expect(error.claim).toBe('token_type')
    },
  )

  it('refuses token_type DPoP without cnf.jkt, even to a caller that checks DPoP proofs', async () => {
    const verifier = createVerifier(await optionsFor(server))
    server.answer = json(activeClaims({ token_type: 'DPoP' }))
    const bare = await expectAuthError(verifier.verify(opaqueToken()), 'binding_unverified')
    expect(bare.claim).toBe('cnf.jkt')
    await expectAuthError(
      verifier.verify(opaqueToken(), { bindingsCheckedByCaller: ['dpop'] }),
      'binding_unverified',
    )
    server.answer = json(activeClaims({ token_type: 'dpop', cnf: { jkt: 'x'.repeat(43) } }))
    await expect(verifier.verify(opaqueToken(), { bindingsCheckedByCaller: ['dpop'] })).resolves.toBeDefined()
  })

  it.each(['Bearer', 'bearer', 'access_token', 'urn:ietf:params:oauth:token-type:access_token'])(
    'accepts token_type %s',
    async (type) => {
      await expect(verifyAnswer({ token_type: type })).resolves.toBeDefined()
    },
  )
})

describe('checks after the signature', () => {
  it('refuses a bound token (cnf) on a bare verify: nothing here checked its proof', async () => {
    const cnf = { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' }
    await expectAuthError(verifyAnswer({ cnf }), 'binding_unverified')
  })

  it('runs validate on the answer, with an empty header', async () => {
    const seen: unknown[] = []
    const validate = (payload: unknown, header: unknown) => {
      seen.push(payload, header)
      return (payload as { sub?: string }).sub === 'user-1'
    }
    await expect(verifyAnswer({}, { validate })).resolves.toBeDefined()
    expect(seen[0]).toMatchObject({ active: true, sub: 'user-1' })
    expect(seen[1]).toEqual({})
    await expectAuthError(verifyAnswer({ sub: 'user-2' }, { validate }), 'claim_invalid')
  })

  it('applies the provider profile’s mandatory checks', async () => {
    const cognito = profiles.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_Pool', clientId: 'web' })
    const verifier = createVerifier({
      ...cognito,
      introspection: { endpoint: server.endpoint, clientId: 'orders-api', clientSecret: 'secret' },
    })
    server.answer = json(activeClaims({ aud: undefined, token_use: 'id', client_id: 'web' }))
    await expectAuthError(verifier.verify(opaqueToken()), 'claim_invalid')
    server.answer = json(activeClaims({ aud: undefined, token_use: 'access', client_id: 'web' }))
    await expect(verifier.verify(opaqueToken())).resolves.toBeDefined()
  })

  it('refuses a token the revocation store holds', async () => {
    const store = createMemoryRevocationStore({ maxTokenLifetime: 7200 })
    await store.revoke({ jti: 'revoked-1', exp: now() + 3600, iss: server.issuer })
    await store.revoke({ sub: 'logged-out', before: now() + 1 })
    const revocation = { revocation: store }
    await expectAuthError(verifyAnswer({ jti: 'revoked-1', iss: server.issuer }, revocation), 'token_revoked')
    await expectAuthError(verifyAnswer({ sub: 'logged-out' }, revocation), 'token_revoked')
    await expect(verifyAnswer({ jti: 'live-1', iss: server.issuer }, revocation)).resolves.toBeDefined()
    // An answer without `iss` (optional in RFC 7662) is still this issuer's: its entries apply.
    await expectAuthError(verifyAnswer({ jti: 'revoked-1', iss: undefined }, revocation), 'token_revoked')
  })

  it('refuses a token isRevoked says is revoked, passing it the answer and an empty header', async () => {
    const seen: unknown[] = []
    const isRevoked = (payload: unknown, header: unknown) => {
      seen.push(payload, header)
      return (payload as { jti?: string }).jti === 'revoked-2'
    }
    await expectAuthError(verifyAnswer({ jti: 'revoked-2' }, { isRevoked }), 'token_revoked')
    expect(seen[0]).toMatchObject({ active: true, jti: 'revoked-2' })
    expect(seen[1]).toEqual({})
    await expect(verifyAnswer({ jti: 'live-2' }, { isRevoked })).resolves.toBeDefined()
  })
})
