import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { DpopClient, TestIssuer } from '../../src/index.js'
import { createVerifier, isAuthError, type AuthError, type VerifiedToken } from '@tokenguard/core'
import { CompactSign, exportJWK, generateKeyPair } from 'jose'
import { createDpopFixture, dpopHeaders, type DpopFixture } from './support/dpop-fixture.js'
import { expressProbeApp, rawRequest, type ProbeApp } from './support/raw-target.js'

/**
 * Attack review of DPoP (RFC 9449), target: state — the verified-token cache, mode "required",
 * the replay store and its window, and nonces — through real HTTP (Express 5) and the core.
 * Each test asserts the safe behaviour: a failing test is a hole.
 */

let issuer: TestIssuer
let victim: DpopClient
let attacker: DpopClient
let bound: string
let options: DpopFixture['options']

beforeAll(async () => {
  // The frameworks log the errors they render.
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  ;({ issuer, victim, attacker, bound, options } = await createDpopFixture())
})
afterAll(async () => {
  await issuer.close()
  jest.restoreAllMocks()
})

describe('a bound token after a successful DPoP request (verified-token cache)', () => {
  let app: ProbeApp
  const verifier = () => createVerifier(options)
  it('is refused as Bearer and by a bare verify() of the same verifier, once cached', async () => {
    const shared = verifier()
    app = await expressProbeApp({ verifier: shared })
    try {
      const token = await issuer.sign({ cnf: { jkt: victim.thumbprint } })
      const proof = await victim.proof({ url: `${app.url}/protected`, accessToken: token })
      expect((await rawRequest(app.url, '/protected', dpopHeaders(token, proof))).status).toBe(200)
      expect(shared.cacheStats().size).toBeGreaterThan(0)
      expect((await rawRequest(app.url, '/protected', [['authorization', `Bearer ${token}`]])).status).toBe(
        401,
      )
      await expect(shared.verify(token)).rejects.toMatchObject({ code: 'binding_unverified' })
      // A cache hit answers synchronously: it must throw, not return the result.
      expect(() => shared.verifyNow(token)).toThrow(expect.objectContaining({ code: 'binding_unverified' }))
    } finally {
      await app.close()
    }
  })

  it('binds on the last of duplicate cnf.jkt members, as the signature covers them (no proof by the other key)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }
    const now = Math.floor(Date.now() / 1000)
    const claims = `{"iss":${JSON.stringify(issuer.url)},"aud":${JSON.stringify(issuer.audience)},"sub":"s","iat":${now},"exp":${now + 600},"cnf":{"jkt":"${attacker.thumbprint}","\\u006a\\u006bt":"${victim.thumbprint}"}}`
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'k1', typ: 'JWT' })).toString('base64url')
    const body = Buffer.from(claims).toString('base64url')
    const token = await new CompactSign(Buffer.from(claims))
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
      .sign(privateKey)
    expect(token.startsWith(`${header}.${body}`)).toBe(true)
    app = await expressProbeApp({ issuer: issuer.url, audience: issuer.audience, keys: [jwk] })
    try {
      const byAttacker = await attacker.proof({ url: `${app.url}/protected`, accessToken: token })
      expect((await rawRequest(app.url, '/protected', dpopHeaders(token, byAttacker))).status).toBe(401)
      const byVictim = await victim.proof({ url: `${app.url}/protected`, accessToken: token })
      expect((await rawRequest(app.url, '/protected', dpopHeaders(token, byVictim))).status).toBe(200)
    } finally {
      await app.close()
    }
  })
})

describe('mode "required" has no side door', () => {
  it.each(['cookie', 'query', 'body'])('refuses the %s option at start-up', async (source) => {
    await expect(
      expressProbeApp({ ...options, dpop: { mode: 'required' }, [source]: 'access_token' }),
    ).rejects.toMatchObject({
      name: 'ConfigError',
    })
  })

  it('refuses getToken at start-up', async () => {
    await expect(
      expressProbeApp({ ...options, dpop: { mode: 'required' }, getToken: () => bound }),
    ).rejects.toMatchObject({ name: 'ConfigError' })
  })

  it('refuses an unbound token with a valid proof, and a Bearer token even with credentialsRequired false', async () => {
    const app = await expressProbeApp({ ...options, dpop: { mode: 'required' }, credentialsRequired: false })
    try {
      const plain = await issuer.sign()
      const proof = await victim.proof({ url: `${app.url}/protected`, accessToken: plain })
      expect((await rawRequest(app.url, '/protected', dpopHeaders(plain, proof))).status).toBe(401)
      expect((await rawRequest(app.url, '/protected', [['authorization', `Bearer ${plain}`]])).status).toBe(
        401,
      )
      expect((await rawRequest(app.url, '/protected', [['authorization', `Bearer ${bound}`]])).status).toBe(
        401,
      )
    } finally {
      await app.close()
    }
  })
})

describe('replay store', () => {
  // The DoS is by design (a full store refuses rather than forgets): one client with any valid token can
  // fill it and lock every DPoP client out for maxAge + 2 × clockTolerance. Asserted here: never a pass.
  it('a store filled by one client answers 503 to another client, never a pass', async () => {
    const { createMemoryReplayStore } = await import('@tokenguard/core')
    const app = await expressProbeApp({
      ...options,
      dpop: { replayStore: createMemoryReplayStore({ maxEntries: 5 }) },
    })
    try {
      const own = await issuer.sign({ cnf: { jkt: attacker.thumbprint } })
      for (let i = 0; i < 5; i++) {
        const proof = await attacker.proof({ url: `${app.url}/protected`, accessToken: own })
        expect((await rawRequest(app.url, '/protected', dpopHeaders(own, proof))).status).toBe(200)
      }
      const proof = await victim.proof({ url: `${app.url}/protected`, accessToken: bound })
      const res = await rawRequest(app.url, '/protected', dpopHeaders(bound, proof))
      expect(res.status).toBe(503)
    } finally {
      await app.close()
    }
  })

  it.each([
    ['1', () => 1],
    ['"true"', () => 'true'],
    ['an object', () => ({})],
    ['a thenable of 1', () => Promise.resolve(1)],
  ])('a store answering %s is a 503, never a pass', async (_name, answer) => {
    const app = await expressProbeApp({ ...options, dpop: { replayStore: { useOnce: answer } } })
    try {
      const proof = await victim.proof({ url: `${app.url}/protected`, accessToken: bound })
      expect((await rawRequest(app.url, '/protected', dpopHeaders(bound, proof))).status).toBe(503)
    } finally {
      await app.close()
    }
  })
})

describe('nonces (core, clock controlled)', () => {
  const SECRET = 'n'.repeat(32)
  const OTHER = 'o'.repeat(32)

  async function attempt(
    secret: string | string[],
    nonceAt: (now: number) => Promise<string | undefined>,
    later = 0,
  ) {
    const { createAuthenticator } = await import('@tokenguard/core')
    const start = Math.floor(Date.now() / 1000) * 1000
    let clock = start
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => clock)
    try {
      const authenticator = createAuthenticator<null>(
        {
          issuer: issuer.url,
          audience: issuer.audience,
          keys: issuer.jwks().keys,
          dpop: { nonce: { secret, lifetime: 60 } },
        },
        { requestUrl: () => ({ protocol: 'https', host: 'api.example.com', path: '/items' }) },
      )
      const nonce = await nonceAt(start)
      clock = start + later
      const proof = await victim.proof({
        url: 'https://api.example.com/items',
        accessToken: bound,
        iat: clock / 1000,
        ...(nonce === undefined ? {} : { nonce }),
      })
      return await authenticator
        .authenticate(null, { method: 'GET', headers: { authorization: `DPoP ${bound}`, dpop: proof } })
        .then(
          () => 'passed',
          (error: unknown) => (isAuthError(error) ? error.code : 'crash'),
        )
    } finally {
      spy.mockRestore()
    }
  }

  /** The nonce the server hands out in its challenge at `now`, read from a refused request. */
  async function served(secret: string | string[]): Promise<string> {
    const { createAuthenticator } = await import('@tokenguard/core')
    const authenticator = createAuthenticator<null>(
      {
        issuer: issuer.url,
        audience: issuer.audience,
        keys: issuer.jwks().keys,
        dpop: { nonce: { secret, lifetime: 60 } },
      },
      { requestUrl: () => ({ protocol: 'https', host: 'api.example.com', path: '/items' }) },
    )
    const proof = await victim.proof({ url: 'https://api.example.com/items', accessToken: bound })
    const error = (await authenticator
      .authenticate(null, { method: 'GET', headers: { authorization: `DPoP ${bound}`, dpop: proof } })
      .catch((e: unknown) => e)) as AuthError
    expect(error.code).toBe('dpop_nonce_required')
    return error.headers['DPoP-Nonce'] ?? ((error.headers as Record<string, string>)['dpop-nonce'] as string)
  }

  it('refuses a proof without a nonce, and a nonce made with another secret', async () => {
    expect(await attempt(SECRET, async () => undefined)).toBe('dpop_nonce_required')
    expect(await attempt(SECRET, () => served(OTHER))).toBe('dpop_nonce_required')
  })

  it('accepts its own nonce within two lifetimes, and refuses it after', async () => {
    expect(await attempt(SECRET, () => served(SECRET))).toBe('passed')
    expect(await attempt(SECRET, () => served(SECRET), 60_000)).toBe('passed')
    expect(await attempt(SECRET, () => served(SECRET), 120_000)).toBe('dpop_nonce_required')
  })

  it('accepts a nonce of the retired secret during a rollover, and not once it is dropped', async () => {
    expect(await attempt([OTHER, SECRET], () => served(SECRET))).toBe('passed')
    expect(await attempt([OTHER], () => served(SECRET))).toBe('dpop_nonce_required')
  })
})

describe('replay window (core, clock controlled)', () => {
  /**
   * A proof dated `clockTolerance` ahead is accepted at once and stays acceptable until
   * iat + maxAge + clockTolerance; the store forgets it ttlMs = (maxAge + 2 × clockTolerance) s after its
   * first use. At exactly that millisecond the time check (`iat < now − maxAge − tolerance` refuses) and
   * the store (`expiry > now` remembers) both let it through.
   */
  it('refuses the same proof at the instant its replay-store entry expires', async () => {
    const { createAuthenticator, createMemoryReplayStore } = await import('@tokenguard/core')
    const start = Math.floor(Date.now() / 1000) * 1000
    let clock = start
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => clock)
    try {
      const replayStore = createMemoryReplayStore({ now: () => clock })
      const authenticator = createAuthenticator<null>(
        {
          issuer: issuer.url,
          audience: issuer.audience,
          keys: issuer.jwks().keys,
          cache: false,
          dpop: { replayStore },
        },
        { requestUrl: () => ({ protocol: 'https', host: 'api.example.com', path: '/items' }) },
      )
      const token = await issuer.sign({ cnf: { jkt: victim.thumbprint } }, { expiresIn: 3600 })
      const proof = await victim.proof({
        url: 'https://api.example.com/items',
        accessToken: token,
        iat: start / 1000 + 30,
      })
      const facts = { method: 'GET', headers: { authorization: `DPoP ${token}`, dpop: proof } }
      const first = (await authenticator.authenticate(null, facts)) as VerifiedToken
      expect(first.binding?.thumbprint).toBe(victim.thumbprint)
      clock = start + 360_000
      const second = await authenticator.authenticate(null, facts).then(
        () => undefined,
        (error: unknown) => error as AuthError,
      )
      expect(isAuthError(second) && second.code).toBe('dpop_proof_invalid')
    } finally {
      spy.mockRestore()
    }
  })
})
