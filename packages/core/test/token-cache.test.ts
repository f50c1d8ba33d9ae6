import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type VerifierOptions } from '@tokenguard/core'
import { startJwksServer, type JwksServer } from './support/jwks-server.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from './support/keys.js'

let key: TestKey
let other: TestKey
beforeAll(async () => {
  key = await makeKey('ES256')
  other = await makeKey('ES256')
})

/** A verifier on static keys with a clock the test moves; `at(seconds)` sets it. */
function setup(options: Partial<VerifierOptions> = {}) {
  let clock = NOW * 1000
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [key.publicJwk],
    now: () => clock,
    ...options,
  })
  return {
    verifier,
    at(seconds: number) {
      clock = seconds * 1000
    },
  }
}

/** Re-encodes a segment's bytes with different (ignored) trailing bits: same bytes, other spelling. */
function withOtherTrailingBits(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(segment.at(-1)!)
  return segment.slice(0, -1) + alphabet[last ^ 1]
}

/** Claims with `count` each of: a short string, a small array holding an array and an object, a float. */
function claimHeavy(count: number): Record<string, unknown> {
  return claims({
    groups: Array.from({ length: count }, (_, i) => `g-${i}`),
    grants: Array.from({ length: count }, (_, i) => [i, i % 2 === 0 ? ['read'] : [], {}]),
    weights: Array.from({ length: count }, (_, i) => i + 0.5),
  })
}

/** Claims exactly as long in JSON as `like`, made of few values: one string makes up the length. */
function plainLike(like: Record<string, unknown>): Record<string, unknown> {
  const padding = JSON.stringify(like).length - JSON.stringify(claims({ sub: like.sub, note: '' })).length
  return claims({ sub: like.sub, note: 'x'.repeat(padding) })
}

/** What caching `token` alone charges against `cache.maxBytes`. */
async function chargeOf(token: string): Promise<number> {
  const { verifier } = setup()
  await verifier.verify(token)
  expect(verifier.cacheStats().size).toBe(1)
  return verifier.cacheStats().bytes
}

describe('verified-token cache', () => {
  it('counts a miss, then hits, and serves the same frozen result', async () => {
    const { verifier } = setup()
    const token = await sign(key, claims())
    expect(verifier.cacheStats()).toEqual({ hits: 0, misses: 0, size: 0, bytes: 0 })
    const first = await verifier.verify(token)
    expect(verifier.cacheStats()).toMatchObject({ hits: 0, misses: 1, size: 1 })
    expect(verifier.cacheStats().bytes).toBeGreaterThan(token.length)
    const second = await verifier.verify(token)
    await verifier.verify(token)
    expect(second).toBe(first)
    expect(verifier.cacheStats()).toMatchObject({ hits: 2, misses: 1, size: 1 })
  })

  it('deep-freezes the cached payload and header so no request can change what another sees', async () => {
    const { verifier } = setup()
    const token = await sign(key, claims({ org: { roles: ['admin'] }, scope: 'read' }))
    const { payload, header } = await verifier.verify(token)
    expect(Object.isFrozen(payload)).toBe(true)
    expect(Object.isFrozen(header)).toBe(true)
    const org = payload.org as { roles: string[] }
    expect(Object.isFrozen(org)).toBe(true)
    expect(() => org.roles.push('root')).toThrow(TypeError)
    expect(() => Object.assign(payload, { scope: 'write' })).toThrow(TypeError)
    const again = await verifier.verify(token)
    expect(verifier.cacheStats().hits).toBe(1)
    expect(again.payload).toMatchObject({ scope: 'read', org: { roles: ['admin'] } })
  })

  it('never serves an entry past exp (+ clockTolerance), at the exact boundary', async () => {
    const { verifier, at } = setup({ clockTolerance: 0 })
    const token = await sign(key, claims({ exp: NOW + 60 }))
    await verifier.verify(token)
    at(NOW + 59.999)
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    expect(verifier.cacheStats().hits).toBe(1)
    at(NOW + 60)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_expired', status: 401 })
    expect(verifier.cacheStats().size).toBe(0)
  })

  it('does not cache a token whose fractional exp has passed within the current second', async () => {
    // jose counts whole seconds, so the token still verifies; its cache lifetime would be negative.
    const { verifier, at } = setup({ clockTolerance: 0 })
    const token = await sign(key, claims({ exp: NOW + 60.25 }))
    at(NOW + 60.5)
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    expect(verifier.cacheStats()).toMatchObject({ size: 0, misses: 1 })
  })

  it('applies clockTolerance on hits the way a full verification does', async () => {
    const { verifier, at } = setup({ clockTolerance: 5 })
    const token = await sign(key, claims({ exp: NOW + 60 }))
    await verifier.verify(token)
    at(NOW + 64.5)
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    at(NOW + 65)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_expired' })
  })

  it('re-checks nbf on a hit (clock set back)', async () => {
    const { verifier, at } = setup({ clockTolerance: 0 })
    const token = await sign(key, claims({ nbf: NOW + 30, exp: NOW + 600 }))
    at(NOW + 40)
    await verifier.verify(token)
    at(NOW + 29)
    const fresh = setup({ clockTolerance: 0 })
    fresh.at(NOW + 29)
    const expected = await fresh.verifier.verify(token).catch((error: unknown) => error)
    expect(expected).toMatchObject({ code: 'token_not_yet_valid' })
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_not_yet_valid', status: 401 })
  })

  it('re-checks maxTokenAge on a hit, with the same code as a full verification', async () => {
    const { verifier, at } = setup({ maxTokenAge: 60, clockTolerance: 5 })
    const token = await sign(key, claims({ iat: NOW - 10, exp: NOW + 3600 }))
    await verifier.verify(token)
    at(NOW + 55)
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    expect(verifier.cacheStats().hits).toBe(1)

    const fresh = setup({ maxTokenAge: 60, clockTolerance: 5, cache: false })
    fresh.at(NOW + 56)
    const expected = (await fresh.verifier.verify(token).catch((error: unknown) => error)) as { code: string }
    expect(expected.code).toMatch(/^(token_expired|claim_invalid)$/)
    at(NOW + 56)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: expected.code, status: 401 })
  })

  it('runs isRevoked on every hit and never caches its verdict', async () => {
    const revoked = new Set<string>()
    let calls = 0
    let failing = false
    const { verifier } = setup({
      isRevoked: async (payload) => {
        calls++
        if (failing) throw new Error('store down')
        return revoked.has(payload.jti as string)
      },
    })
    const token = await sign(key, claims({ jti: 'j-1' }))
    await verifier.verify(token)
    await verifier.verify(token)
    expect(calls).toBe(2)
    revoked.add('j-1')
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_revoked', status: 401 })
    failing = true
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'revocation_unavailable',
      status: 503,
    })
    failing = false
    revoked.clear()
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    expect(calls).toBe(5)
    expect(verifier.cacheStats()).toMatchObject({ hits: 4, misses: 1 })
  })

  it('does not cache failures: a token rejected earlier verifies once it is valid', async () => {
    let reject = true
    const { verifier, at } = setup({ clockTolerance: 0, validate: () => !reject })
    const token = await sign(key, claims({ nbf: NOW + 30 }))
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_not_yet_valid' })
    at(NOW + 30)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'claim_invalid' })
    expect(verifier.cacheStats().size).toBe(0)
    reject = false
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    expect(verifier.cacheStats()).toMatchObject({ hits: 0, misses: 3, size: 1 })
  })

  it('never lets a forged variant hit the entry of a valid token, nor evict it', async () => {
    const { verifier } = setup()
    const token = await sign(key, claims())
    const forged = await sign(other, claims())
    const [h, p, s] = token.split('.') as [string, string, string]
    const [, , otherSig] = forged.split('.') as [string, string, string]
    await verifier.verify(token)
    const flipped = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`
    // Same signature, other claims: it shares the cached token's tail, so the lookup lands on its entry.
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url')}.${s}`
    for (const variant of [flipped, `${h}.${p}.${otherSig}`, tampered]) {
      await expect(verifier.verify(variant)).rejects.toMatchObject({ code: 'signature_invalid', status: 401 })
    }
    expect(verifier.cacheStats()).toMatchObject({ hits: 0, misses: 4, size: 1 })
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    expect(verifier.cacheStats().hits).toBe(1)
  })

  it('rejects padding, whitespace and re-spelt variants of a cached token without a hit', async () => {
    const { verifier } = setup()
    const token = await sign(key, claims())
    const [h, p, s] = token.split('.') as [string, string, string]
    await verifier.verify(token)
    const variants = [
      `${token}=`,
      `${token}==`,
      `${h}=.${p}.${s}`,
      `${h}.${p}=.${s}`,
      ` ${token}`,
      `${token} `,
      `${token}\n`,
      `${h}.${p}.${s.slice(0, 40)} ${s.slice(40)}`,
      `${h}.${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}A+/`,
      `${h}.${p}.${withOtherTrailingBits(s)}`,
      `${h}.${p}.${s}.`,
    ]
    for (const variant of variants) {
      await expect(verifier.verify(variant)).rejects.toMatchObject({ code: 'token_malformed', status: 401 })
    }
    expect(verifier.cacheStats()).toMatchObject({ hits: 0, size: 1 })
  })

  it('is per verifier: another audience does not see the entry', async () => {
    const a = setup()
    const b = setup({ audience: 'https://other.example.com' })
    const token = await sign(key, claims())
    await a.verifier.verify(token)
    await expect(b.verifier.verify(token)).rejects.toMatchObject({ code: 'claim_invalid', claim: 'aud' })
  })

  it('cache: false verifies fully every time and reports zero counters', async () => {
    let validations = 0
    let revocations = 0
    const validate = () => ++validations > 0
    const isRevoked = () => {
      revocations++
      return false
    }
    const on = setup({ validate, isRevoked })
    const token = await sign(key, claims())
    for (let i = 0; i < 3; i++) await on.verifier.verify(token)
    expect([validations, revocations]).toEqual([1, 3])
    const off = setup({ validate, isRevoked, cache: false })
    for (let i = 0; i < 3; i++) await off.verifier.verify(token)
    expect([validations, revocations]).toEqual([4, 6])
    expect(off.verifier.cacheStats()).toEqual({ hits: 0, misses: 0, size: 0, bytes: 0 })
  })

  it('bounds the number of entries, evicting the least recently used', async () => {
    const { verifier } = setup({ cache: { maxEntries: 2 } })
    const [t1, t2, t3] = await Promise.all([1, 2, 3].map((n) => sign(key, claims({ sub: `u${n}` }))))
    await verifier.verify(t1!)
    await verifier.verify(t2!)
    await verifier.verify(t1!) // t1 is now the most recently used
    await verifier.verify(t3!) // evicts t2
    expect(verifier.cacheStats()).toMatchObject({ hits: 1, misses: 3, size: 2 })
    await verifier.verify(t1!)
    await verifier.verify(t2!)
    expect(verifier.cacheStats()).toMatchObject({ hits: 2, misses: 4, size: 2 })
  })

  it('bounds the estimated memory held', async () => {
    const maxBytes = 8192
    const { verifier } = setup({ cache: { maxBytes } })
    const tokens = await Promise.all(
      Array.from({ length: 30 }, (_, n) => sign(key, claims({ sub: `user-${n}`, scope: 'a b c' }))),
    )
    for (const token of tokens) {
      await verifier.verify(token)
      expect(verifier.cacheStats().bytes).toBeLessThanOrEqual(maxBytes)
    }
    const { size, bytes } = verifier.cacheStats()
    expect(size).toBeGreaterThan(0)
    expect(size).toBeLessThan(tokens.length)
    // Each entry is charged at least the characters it keeps alive.
    expect(bytes).toBeGreaterThanOrEqual(size * tokens[0]!.length)
  })

  it('charges an entry for the values its claims hold, not for its token length', async () => {
    const heavy = await sign(key, claimHeavy(150))
    const plain = await sign(key, plainLike(claimHeavy(150)))
    expect(plain.length).toBe(heavy.length)
    const heavyBytes = await chargeOf(heavy)
    const plainBytes = await chargeOf(plain)
    // Both keep the token text, and its decoded claims besides.
    expect(plainBytes).toBeGreaterThan(plain.length * 1.5)
    // 150 × (a short string, a 3-element array holding an array and an object, a boxed number) weigh
    // several times one long string.
    expect(heavyBytes).toBeGreaterThan(plainBytes * 3)
  })

  it('charges more for more claim values and for longer ones, once per miss', async () => {
    const charges = []
    for (const count of [10, 20, 40, 80]) charges.push(await chargeOf(await sign(key, claimHeavy(count))))
    for (let i = 1; i < charges.length; i++) {
      // Each doubling adds at least as many values again, each at least a slot and a boxed number.
      expect(charges[i]! - charges[i - 1]!).toBeGreaterThan(10 * 2 ** (i - 1) * 3 * 16)
    }

    const { verifier } = setup()
    const short = await sign(key, claims({ note: 'x'.repeat(600) }))
    const long = await sign(key, claims({ note: 'x'.repeat(1800) }))
    await verifier.verify(short)
    const shortBytes = verifier.cacheStats().bytes
    for (let i = 0; i < 3; i++) await verifier.verify(short)
    expect(verifier.cacheStats()).toMatchObject({ hits: 3, bytes: shortBytes })
    await verifier.verify(long)
    // 1 200 more characters, held twice: decoded in the claims, base64url-encoded in the token.
    expect(verifier.cacheStats().bytes - shortBytes).toBeGreaterThanOrEqual(1200 + long.length - short.length)
  })

  it('charges the member names of an object with hundreds of members, which are likely ids', async () => {
    const keyedClaims = claims({
      access: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`resource-${1000 + i}`, 1])),
    })
    const keyed = await sign(key, keyedClaims)
    const plain = await sign(key, plainLike(keyedClaims))
    expect(keyed.length).toBe(plain.length)
    // Per member: its 13-character name (a string header and 16 characters) and at least one hash-table
    // entry of three slots.
    expect(await chargeOf(keyed)).toBeGreaterThan((await chargeOf(plain)) + 200 * (16 + 16 + 24))
  })

  it('evicts by the charge: maxBytes holds fewer claim-heavy entries than plain ones as long', async () => {
    const maxBytes = 256 * 1024
    const heavy = setup({ cache: { maxBytes } })
    const plain = setup({ cache: { maxBytes } })
    const tokens = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const heavyClaims = { ...claimHeavy(150), sub: `user-${n + 10}` }
        return [await sign(key, heavyClaims), await sign(key, plainLike(heavyClaims))] as const
      }),
    )
    for (const [heavyToken, plainToken] of tokens) {
      expect(heavyToken.length).toBe(plainToken.length)
      await heavy.verifier.verify(heavyToken)
      await plain.verifier.verify(plainToken)
      expect(heavy.verifier.cacheStats().bytes).toBeLessThanOrEqual(maxBytes)
    }
    expect(plain.verifier.cacheStats().size).toBe(tokens.length)
    const { size } = heavy.verifier.cacheStats()
    expect(size).toBeGreaterThan(0)
    expect(size).toBeLessThan(tokens.length / 2)
    // Least recently used first: the newest entries stayed, the oldest went.
    await heavy.verifier.verify(tokens.at(-1)![0])
    await heavy.verifier.verify(tokens[0]![0])
    expect(heavy.verifier.cacheStats()).toMatchObject({ hits: 1, misses: tokens.length + 1 })
  })

  it('sizes its bookkeeping by maxBytes when maxEntries is far larger', async () => {
    // lru-cache preallocates per slot: 2^32 slots would not even fit in memory.
    const { verifier } = setup({ cache: { maxEntries: 2 ** 32, maxBytes: 1024 * 1024 } })
    const token = await sign(key, claims())
    await verifier.verify(token)
    await verifier.verify(token)
    expect(verifier.cacheStats()).toMatchObject({ hits: 1, misses: 1, size: 1 })
  })
})

describe('verified-token cache and key rotation', () => {
  let server: JwksServer
  beforeAll(async () => {
    server = await startJwksServer([key.publicJwk, other.publicJwk])
  })
  afterAll(() => server.close())

  function remote(options: Partial<VerifierOptions> = {}) {
    server.setKeys([key.publicJwk, other.publicJwk])
    server.override('/jwks', undefined)
    return setup({ keys: undefined, jwksUri: server.jwksUri, ...options })
  }
  const longLived = () => claims({ exp: NOW + 7200 })

  it('drops cached entries once a refresh shows their key left the JWK Set', async () => {
    const { verifier, at } = remote()
    const [gone, kept] = await Promise.all([sign(key, longLived()), sign(other, longLived())])
    await verifier.verify(gone)
    await verifier.verify(kept)
    server.setKeys([other.publicJwk])
    at(NOW + 300) // JWK Set still fresh (default cache age 600 s): entries are served
    await expect(verifier.verify(gone)).resolves.toMatchObject({ token: gone })
    const fetches = server.totalHits('/jwks')
    at(NOW + 601) // past the JWK Set's cache age: a hit refreshes it first
    await expect(verifier.verify(gone)).rejects.toMatchObject({ code: 'key_not_found', status: 401 })
    // The scheduled refresh, then the one refetch it armed, spent by the removed kid (still gone).
    expect(server.totalHits('/jwks')).toBe(fetches + 2)
    await expect(verifier.verify(kept)).resolves.toMatchObject({ token: kept })
    await expect(verifier.verify(gone)).rejects.toMatchObject({ code: 'key_not_found' })
  })

  it('keeps entries when a refresh returns the same keys', async () => {
    const { verifier, at } = remote()
    const token = await sign(key, longLived())
    await verifier.verify(token)
    at(NOW + 601)
    await verifier.verify(token)
    at(NOW + 1300)
    await verifier.verify(token)
    expect(server.totalHits('/jwks')).toBeGreaterThanOrEqual(3)
    expect(verifier.cacheStats()).toMatchObject({ hits: 2, misses: 1, size: 1 })
  })

  it('refreshes ahead of expiry from hits alone, in the background', async () => {
    const { verifier, at } = remote()
    const token = await sign(key, longLived())
    await verifier.verify(token)
    server.setKeys([other.publicJwk])
    const fetches = server.totalHits('/jwks')
    at(NOW + 590) // within refreshAhead (30 s) of expiry: served now, refreshed behind
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    for (let i = 0; i < 100 && server.totalHits('/jwks') === fetches; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'key_not_found' })
  })

  it('fails a hit with 503 like a full verification once stale keys are past staleWindow', async () => {
    const { verifier, at } = remote({ jwks: { staleWindow: 60_000 } })
    const token = await sign(key, longLived())
    await verifier.verify(token)
    server.override('/jwks', (_req, res) => void res.writeHead(500).end())
    at(NOW + 630) // expired but within staleWindow: the last good keys still vouch for the entry
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
    at(NOW + 700)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable', status: 503 })
    server.override('/jwks', undefined)
    at(NOW + 720)
    await expect(verifier.verify(token)).resolves.toMatchObject({ token })
  })
})
