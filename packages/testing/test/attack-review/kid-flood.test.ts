import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { randomUUID } from 'node:crypto'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'

/**
 * Attack review, target 5: unknown-kid floods against a real issuer (discovery + JWK Set over HTTP), cold and
 * warm, with a fake clock. Budget claimed: one refetch per cooldown, plus the one each non-kid fetch arms.
 */

let issuer: TestIssuer
let now = Date.now()
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer.close())

const jwksHits = () => issuer.hits.get('/jwks') ?? 0
const discoveryHits = () =>
  (issuer.hits.get('/.well-known/openid-configuration') ?? 0) +
  (issuer.hits.get('/.well-known/oauth-authorization-server') ?? 0)

it('1 000 concurrent cold verifications, each with its own made-up kid: one discovery, two JWK Set requests', async () => {
  const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, now: () => now })
  const [jwks0, discovery0] = [jwksHits(), discoveryHits()]
  const tokens = await Promise.all(
    Array.from({ length: 1000 }, () => issuer.sign({}, { header: { kid: randomUUID() } })),
  )
  const codes = await Promise.all(
    tokens.map((token) =>
      verifier.verify(token).then(
        () => 'accepted',
        (e: { code: string }) => e.code,
      ),
    ),
  )
  expect(new Set(codes)).toEqual(new Set(['key_not_found']))
  expect(discoveryHits() - discovery0).toBe(1)
  expect(jwksHits() - jwks0).toBeLessThanOrEqual(2) // the first load, and the refetch it armed

  // Then a flood over 5 cooldowns (30 s each) costs one refetch per cooldown.
  const before = jwksHits()
  for (let second = 0; second < 150; second++) {
    now += 1000
    await Promise.all(
      Array.from({ length: 20 }, async () =>
        verifier.verify(await issuer.sign({}, { header: { kid: randomUUID() } })).catch(() => undefined),
      ),
    )
  }
  expect(jwksHits() - before).toBeLessThanOrEqual(5)
  // A valid token still verifies.
  await expect(verifier.verify(await issuer.sign())).resolves.toBeDefined()
}, 60_000)
