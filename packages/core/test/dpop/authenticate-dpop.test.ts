import { createSign, generateKeyPairSync } from 'node:crypto'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, type AuthenticatorOptions, type ReplayStore } from '@tokenguard/core'
import { createDpopClient, type DpopClient } from '@tokenguard/testing'
import { exportJWK, SignJWT } from 'jose'
import { expectAuthError } from '../support/expect-error.js'
import { AUDIENCE, claims, ISSUER, makeKey, NOW, sign, type TestKey } from '../support/keys.js'

const URL_ = 'https://api.example.com/items'
const SECRET = 'n'.repeat(32)
let key: TestKey
let client: DpopClient
let other: DpopClient
let bound: string
let unbound: string

beforeAll(async () => {
  key = await makeKey('ES256')
  client = await createDpopClient()
  other = await createDpopClient('EdDSA')
  bound = await sign(key, claims({ cnf: { jkt: client.thumbprint } }))
  unbound = await sign(key, claims())
})

type Req = { url: string }
const requestUrl = (req: Req) => {
  const url = new URL(req.url)
  return { protocol: url.protocol.slice(0, -1), host: url.host, path: `${url.pathname}${url.search}` }
}
const make = (extra: Partial<AuthenticatorOptions<Req>> = {}, hooks = { requestUrl }) =>
  createAuthenticator<Req>(
    {
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.publicJwk,
      now: () => NOW * 1000,
      ...extra,
    } as AuthenticatorOptions<Req>,
    hooks,
  )
const dpopRequest = (
  token: string,
  proof: string | string[] | undefined,
  more: Record<string, unknown> = {},
) => ({
  method: 'GET',
  headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) },
  ...more,
})
const run = (authenticator: ReturnType<typeof make>, facts: ReturnType<typeof dpopRequest>, url = URL_) =>
  authenticator.authenticate({ url }, facts)

describe('DPoP requests through the authenticator', () => {
  it('accepts a bound token with a proof of its key, and says so in binding', async () => {
    const auth = await run(make(), dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound })))
    expect(auth?.binding).toEqual({ method: 'dpop', thumbprint: client.thumbprint })
    expect(auth?.payload.sub).toBe('user-1')
    expect(Object.isFrozen(auth)).toBe(true)
  })

  it('matches htu after normalisation, without query', async () => {
    const proof = await client.proof({ url: 'HTTPS://API.EXAMPLE.COM:443/./items', accessToken: bound })
    await expect(run(make(), dpopRequest(bound, proof), `${URL_}?page=2`)).resolves.toBeTruthy()
  })

  it('accepts an unbound token with a valid proof when allowed, refuses it when required', async () => {
    const proof = () => client.proof({ url: URL_, accessToken: unbound })
    expect((await run(make(), dpopRequest(unbound, await proof())))?.binding?.method).toBe('dpop')
    const error = await expectAuthError(
      run(make({ dpop: { mode: 'required' } }), dpopRequest(unbound, await proof())),
      'binding_mismatch',
    )
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token", /)
  })

  it('refuses a proof of another key (binding_mismatch) with both thumbprints in the reason', async () => {
    const error = await expectAuthError(
      run(make(), dpopRequest(bound, await other.proof({ url: URL_, accessToken: bound }))),
      'binding_mismatch',
    )
    expect(error.reason).toMatchObject({
      check: 'cnf',
      expected: client.thumbprint,
      actual: other.thumbprint,
    })
    expect(error.headers['WWW-Authenticate']).toMatch(
      /^Bearer, DPoP error="invalid_token", error_description=".*", algs="/,
    )
  })

  it('refuses a replayed proof; a store failure or a non-boolean answer is a 503, never a pass', async () => {
    const authenticator = make()
    const proof = await client.proof({ url: URL_, accessToken: bound })
    await run(authenticator, dpopRequest(bound, proof))
    const replayed = await expectAuthError(
      run(authenticator, dpopRequest(bound, proof)),
      'dpop_proof_invalid',
    )
    expect(replayed.reason.message).toMatch(/replay/)
    const failing: ReplayStore = { useOnce: () => Promise.reject(new Error('redis down')) }
    const down = await expectAuthError(
      run(
        make({ dpop: { replayStore: failing } }),
        dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound })),
      ),
      'replay_store_unavailable',
    )
    expect(down.reason.message).toMatch(/redis down/)
    expect(down.headers).toEqual({ 'Retry-After': '5' })
    const odd = { useOnce: () => 'OK' } as unknown as ReplayStore
    await expectAuthError(
      run(
        make({ dpop: { replayStore: odd } }),
        dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound })),
      ),
      'replay_store_unavailable',
    )
  })

  it('passes the store the id and ttl the issue fixes: SHA-256 of htu + " " + jti, (maxAge + 2 × tolerance) s', async () => {
    const calls: [string, number][] = []
    const store = { useOnce: (id: string, ttl: number) => (calls.push([id, ttl]), true) }
    const { createHash } = await import('node:crypto')
    await run(
      make({ dpop: { replayStore: store, maxAge: 60, clockTolerance: 5 } }),
      dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound, jti: 'j-1' })),
    )
    expect(calls).toEqual([[createHash('sha256').update(`${URL_} j-1`).digest('base64url'), 70_000]])
  })

  it('a proof that fails never reaches the replay store', async () => {
    let calls = 0
    const store = { useOnce: () => (calls++, true) }
    await expectAuthError(
      run(
        make({ dpop: { replayStore: store } }),
        dpopRequest(bound, await other.proof({ url: URL_, accessToken: bound })),
      ),
      'binding_mismatch',
    )
    await expectAuthError(
      run(make({ dpop: { replayStore: store } }), dpopRequest(bound, await client.proof({ url: URL_ }))),
      'dpop_proof_invalid',
    )
    expect(calls).toBe(0)
  })

  describe('nonces', () => {
    const withNonce = () => make({ dpop: { nonce: { secret: SECRET } } })

    it('asks for a nonce (use_dpop_nonce + DPoP-Nonce), then accepts it', async () => {
      const authenticator = withNonce()
      const first = await expectAuthError(
        run(authenticator, dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound }))),
        'dpop_nonce_required',
      )
      const nonce = first.headers['DPoP-Nonce'] as string
      expect(nonce).toMatch(/^[\w-]{43}$/)
      expect(first.headers['WWW-Authenticate']).toMatch(/DPoP error="use_dpop_nonce"/)
      await expect(
        run(authenticator, dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound, nonce }))),
      ).resolves.toBeTruthy()
    })

    it('refuses a wrong nonce, and every DPoP refusal carries a fresh one', async () => {
      const wrong = await expectAuthError(
        run(
          withNonce(),
          dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound, nonce: 'x'.repeat(43) })),
        ),
        'dpop_nonce_required',
      )
      expect(wrong.reason.message).toMatch(/wrong or expired/)
      const other_ = await expectAuthError(
        run(withNonce(), dpopRequest(bound, undefined)),
        'dpop_proof_invalid',
      )
      expect(other_.headers['DPoP-Nonce']).toMatch(/^[\w-]{43}$/)
    })

    it('a Bearer request gets no nonce', async () => {
      const error = await expectAuthError(
        withNonce().authenticate(
          { url: URL_ },
          { method: 'GET', headers: { authorization: 'Bearer x.y.z' } },
        ),
        'token_malformed',
      )
      expect(error.headers['DPoP-Nonce']).toBeUndefined()
    })
  })

  describe('the request', () => {
    it.each([
      ['no DPoP header', undefined, /no DPoP header/],
      ['an empty DPoP header', '', /no DPoP header/],
      ['two DPoP headers', ['a.b.c', 'a.b.c'], /repeated/],
      ['a comma-joined DPoP header', 'a.b.c, a.b.c', /more than one/],
      ['an oversized DPoP header', 'a'.repeat(8193), /longer than 8192/],
    ])('refuses %s', async (_, proof, message) => {
      const error = await expectAuthError(
        run(make(), dpopRequest(bound, proof as string)),
        'dpop_proof_invalid',
      )
      expect(error.reason.message).toMatch(message)
    })

    it('counts DPoP headers in rawHeaders (Node keeps only the first)', async () => {
      const proof = await client.proof({ url: URL_, accessToken: bound })
      await expectAuthError(
        run(make(), dpopRequest(bound, proof, { rawHeaders: ['DPoP', proof, 'dpop', proof] })),
        'dpop_proof_invalid',
      )
    })

    it('refuses a malformed DPoP credential with 400', async () => {
      const error = await expectAuthError(
        make().authenticate({ url: URL_ }, { method: 'GET', headers: { authorization: 'DPoP a b' } }),
        'invalid_request',
      )
      expect(error.headers['WWW-Authenticate']).toMatch(/DPoP error="invalid_request"/)
    })

    it('refuses a Bearer token sent with a DPoP header (400)', async () => {
      const proof = await client.proof({ url: URL_, accessToken: unbound })
      await expectAuthError(
        make().authenticate(
          { url: URL_ },
          { method: 'GET', headers: { authorization: `Bearer ${unbound}`, dpop: proof } },
        ),
        'invalid_request',
      )
    })

    it('answers a bound token sent as Bearer with binding_mismatch, in the Bearer challenge', async () => {
      const error = await expectAuthError(
        make().authenticate({ url: URL_ }, { method: 'GET', headers: { authorization: `Bearer ${bound}` } }),
        'binding_mismatch',
      )
      expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", .*DPoP algs=/)
      expect(error.reason.message).toMatch(/sent as a Bearer token/)
    })

    it('also through getToken', async () => {
      await expectAuthError(
        make({ getToken: () => bound }).authenticate({ url: URL_ }, { method: 'GET', headers: {} }),
        'binding_mismatch',
      )
    })

    it('keeps binding_unverified for a cnf the core cannot check, sent either way', async () => {
      const x5t = await sign(
        key,
        claims({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }),
      )
      // With mTLS disabled (on by default, it checks x5t#S256: see test/mtls/authenticate-mtls.test.ts).
      const noMtls = { mtls: { mode: 'disabled' as const } }
      await expectAuthError(
        make(noMtls).authenticate(
          { url: URL_ },
          { method: 'GET', headers: { authorization: `Bearer ${x5t}` } },
        ),
        'binding_unverified',
      )
      await expectAuthError(
        run(make(noMtls), dpopRequest(x5t, await client.proof({ url: URL_, accessToken: x5t }))),
        'binding_unverified',
      )
      await expectAuthError(
        make().authenticate({ url: URL_ }, { method: 'GET', headers: { authorization: `Bearer not-a-jwt` } }),
        'token_malformed',
      )
    })

    it('in mode "required", a Bearer request has no acceptable credentials: 401 with the DPoP challenge only', async () => {
      const error = await expectAuthError(
        make({ dpop: { mode: 'required' } }).authenticate(
          { url: URL_ },
          { method: 'GET', headers: { authorization: `Bearer ${unbound}` } },
        ),
        'credentials_required',
      )
      expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP algs="[^"]+"$/)
    })

    it('in mode "disabled", the DPoP scheme is an unknown scheme and bound tokens stay refused', async () => {
      const authenticator = make({ dpop: { mode: 'disabled' } })
      const error = await expectAuthError(
        run(authenticator, dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound }))),
        'credentials_required',
      )
      expect(error.headers['WWW-Authenticate']).toBe('Bearer')
      await expectAuthError(
        authenticator.authenticate(
          { url: URL_ },
          { method: 'GET', headers: { authorization: `Bearer ${bound}` } },
        ),
        'binding_unverified',
      )
    })

    it('without the adapter hook, checks htu against publicOrigin plus the request path', async () => {
      const authenticator = make({ publicOrigin: 'https://api.example.com' }, {} as never)
      const proof = await client.proof({ url: URL_, accessToken: bound })
      await expect(
        authenticator.authenticate({ url: '' }, { ...dpopRequest(bound, proof), url: '/items?x=1' }),
      ).resolves.toBeTruthy()
    })

    it('without the hook nor publicOrigin, no proof can match: refused with a reason', async () => {
      const proof = await client.proof({ url: URL_, accessToken: bound })
      const error = await expectAuthError(
        make({}, {} as never).authenticate({ url: '' }, { ...dpopRequest(bound, proof), url: '/items' }),
        'dpop_proof_invalid',
      )
      expect(error.reason.message).toMatch(/another URI/)
    })

    it('a token failure in the DPoP scheme is answered in the DPoP challenge', async () => {
      const expired = await sign(key, claims({ exp: NOW - 600, cnf: { jkt: client.thumbprint } }))
      const error = await expectAuthError(
        run(make(), dpopRequest(expired, await client.proof({ url: URL_, accessToken: expired }))),
        'token_expired',
      )
      expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer, DPoP error="invalid_token"/)
    })
  })
})

describe('the proof', () => {
  const now = () => Math.floor(Date.now() / 1000)
  const expectRefused = async (proof: string, message: RegExp, token = bound) => {
    const error = await expectAuthError(run(make(), dpopRequest(token, proof)), 'dpop_proof_invalid')
    expect(error.reason.message).toMatch(message)
  }

  it.each([
    ['another method', { method: 'POST' }, /another method/],
    ['another URI', { url: 'https://api.example.com/other' }, /another URI/],
    ['another host', { url: 'https://evil.example.com/items' }, /another URI/],
    ['another scheme', { url: 'http://api.example.com/items' }, /another URI/],
    ['an iat too old', { iat: now() - 340 }, /older than dpop.maxAge/],
    ['an iat in the future', { iat: now() + 35 }, /future/],
    ['a non-numeric iat', { claims: { iat: '1' } }, /no numeric iat/],
    ['no jti', { claims: { jti: undefined } }, /jti/],
    ['a long jti', { jti: 'j'.repeat(257) }, /jti/],
    ['an htu that is not a URL', { claims: { htu: 'items' } }, /another URI/],
    ['typ JWT', { header: { typ: 'JWT' } }, /typ/],
  ])('refuses %s', async (_, options, message) => {
    await expectRefused(await client.proof({ url: URL_, accessToken: bound, ...options } as never), message)
  })

  it('accepts iat at the edges of maxAge and clockTolerance', async () => {
    for (const iat of [now() - 320, now() + 25])
      await expect(
        run(make(), dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound, iat }))),
      ).resolves.toBeTruthy()
  })

  it('refuses a missing or wrong ath', async () => {
    await expectRefused(await client.proof({ url: URL_ }), /no ath/)
    await expectRefused(await client.proof({ url: URL_, accessToken: unbound }), /not the hash/)
  })

  it('refuses a proof signed with an algorithm outside dpop.algorithms', async () => {
    const error = await expectAuthError(
      run(
        make({ dpop: { algorithms: ['EdDSA'] } }),
        dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound })),
      ),
      'dpop_proof_invalid',
    )
    expect(error.reason).toMatchObject({ expected: 'EdDSA', actual: '"ES256"' })
  })

  it('refuses alg none and HS256 proofs', async () => {
    const payload = { htm: 'GET', htu: URL_, iat: now(), jti: 'x' }
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    await expectRefused(
      `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: client.jwk })}.${b64(payload)}.`,
      /not base64url/,
    )
    await expectRefused(
      `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: client.jwk })}.${b64(payload)}.c2ln`,
      /algorithm not allowed/,
    )
    const hs = await new SignJWT(payload)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'a2V5' } } as never)
      .sign(new TextEncoder().encode('k'.repeat(32)))
    await expectRefused(hs, /algorithm not allowed/)
  })

  it('refuses a private jwk, a weak RSA key and a jwk that does not match the signature', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const privateJwk = privateKey.export({ format: 'jwk' })
    await expectRefused(
      await client.proof({ url: URL_, accessToken: bound, header: { jwk: privateJwk } }),
      /private/,
    )
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const weakJwk = await exportJWK(weak.publicKey)
    // jose will not sign with RSA-1024, so the proof is put together by hand.
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${b64({ typ: 'dpop+jwt', alg: 'RS256', jwk: weakJwk })}.${b64({ htm: 'GET', htu: URL_, iat: now(), jti: 'w' })}`
    const weakProof = `${input}.${createSign('sha256').update(input).sign(weak.privateKey).toString('base64url')}`
    await expectRefused(weakProof, /RSA modulus size/)
    const error = await expectAuthError(
      run(
        make(),
        dpopRequest(
          bound,
          await client.proof({
            url: URL_,
            accessToken: bound,
            header: { jwk: (await createDpopClient()).jwk },
          }),
        ),
      ),
      'dpop_proof_invalid',
    )
    expect(error.reason.message).toMatch(/signature/)
  })

  it.each([
    ['two segments', 'a.b'],
    ['a header that is not JSON', 'bm90IGpzb24.e30.c2ln'],
    ['a header that is an array', `${Buffer.from('[]').toString('base64url')}.e30.c2ln`],
    ['a payload that is not base64url', `${Buffer.from('{}').toString('base64url')}.e=30.c2ln`],
  ])('refuses a proof with %s', async (_, proof) => {
    await expectRefused(proof, /proof/)
  })
})

describe('a DPoP header without any token', () => {
  it('is no credentials (401), not a malformed request', async () => {
    const proof = await client.proof({ url: URL_ })
    await expectAuthError(
      make().authenticate({ url: URL_ }, { method: 'GET', headers: { dpop: proof } }),
      'credentials_required',
    )
    const optional = make({ credentialsRequired: false })
    await expect(
      optional.authenticate({ url: URL_ }, { method: 'GET', headers: { dpop: proof } }),
    ).resolves.toBeNull()
  })
})

describe('proof keys seen before', () => {
  it('skip the key work, never the signature: a tampered proof under a known header is refused', async () => {
    const authenticator = make()
    await run(authenticator, dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound })))
    const [header, payload, signature] = (await client.proof({ url: URL_, accessToken: bound })).split(
      '.',
    ) as [string, string, string]
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`
    const error = await expectAuthError(
      run(authenticator, dpopRequest(bound, `${header}.${payload}.${flipped}`)),
      'dpop_proof_invalid',
    )
    expect(error.reason.message).toMatch(/signature/)
    await expect(
      run(authenticator, dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound }))),
    ).resolves.toBeTruthy()
  })

  it('a header whose proof failed is not remembered', async () => {
    const authenticator = make()
    const good = await client.proof({ url: URL_, accessToken: bound })
    const [header, payload] = good.split('.') as [string, string]
    await expectAuthError(
      run(authenticator, dpopRequest(bound, `${header}.${payload}.AAAA`)),
      'dpop_proof_invalid',
    )
    await expect(run(authenticator, dpopRequest(bound, good))).resolves.toBeTruthy()
  })

  it('refuses a jwk whose own alg is not the proof alg', async () => {
    const rsa = await createDpopClient('RS256')
    const error = await expectAuthError(
      run(
        make(),
        dpopRequest(
          bound,
          await rsa.proof({ url: URL_, accessToken: bound, header: { jwk: { ...rsa.jwk, alg: 'PS256' } } }),
        ),
      ),
      'dpop_proof_invalid',
    )
    expect(error.reason).toMatchObject({ expected: 'RS256', actual: '"PS256"' })
  })

  it.each([
    ['crit', { crit: ['b64'], b64: true }],
    ['b64', { b64: true }],
  ])('refuses a proof header with %s', async (_, header) => {
    const error = await expectAuthError(
      run(make(), dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound, header }))),
      'dpop_proof_invalid',
    )
    expect(error.reason.message).toMatch(/crit or b64/)
  })

  it('refuses a key that does not fit the alg (an RSA key in an ES256 proof)', async () => {
    const rsa = await createDpopClient('RS256')
    const error = await expectAuthError(
      run(
        make(),
        dpopRequest(bound, await client.proof({ url: URL_, accessToken: bound, header: { jwk: rsa.jwk } })),
      ),
      'dpop_proof_invalid',
    )
    expect(error.reason.message).toMatch(/does not fit/)
  })
})
