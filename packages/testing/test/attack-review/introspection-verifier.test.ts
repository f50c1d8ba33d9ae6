import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, isAuthError, type AuthErrorCode, type VerifierOptions } from '@tokenguard/core'
import { SignJWT } from 'jose'
import { b64url, makeKey, type TestKey } from '../../../core/test/support/keys.js'
import {
  activeClaims,
  json,
  opaqueToken,
  optionsFor,
  serverKey,
  startIntrospectionServer,
  type Answer,
  type IntrospectionServer,
} from '../../../core/test/introspection/introspection-server.js'

/**
 * Attack review of introspection (RFC 7662) through the bare verifier, against a real endpoint on 127.0.0.1
 * whose answer each probe sets: fail-open `active` values, prototype keys, binding shapes, the request the
 * token travels in, signed-answer forgery, selector edge cases, and what `tokens: 'all'` still checks.
 */

let server: IntrospectionServer
let key: TestKey
beforeAll(async () => {
  server = await startIntrospectionServer()
  key = await serverKey()
})
afterAll(() => server.close())
afterEach(() => {
  server.requests.length = 0
  server.answer = json(activeClaims())
})

/** The code a verification is refused with, or `'passed'`. */
async function outcome(promise: Promise<unknown>): Promise<AuthErrorCode | 'passed' | string> {
  try {
    await promise
    return 'passed'
  } catch (error) {
    return isAuthError(error) ? error.code : `${(error as Error).name}`
  }
}

const raw =
  (text: string, type = 'application/json'): Answer =>
  (_request, res) =>
    void res.writeHead(200, { 'content-type': type }).end(text)

describe('fail-open values of active (never a pass, never a 401)', () => {
  it.each<[string, string]>([
    ['1', '1'],
    ['"true"', '"true"'],
    ['[true]', '[true]'],
    ['{}', '{}'],
    ['null', 'null'],
    ['"false"', '"false"'],
    ['0', '0'],
  ])('active: %s is a 503', async (_name, value) => {
    const claims = JSON.stringify(activeClaims()).replace('"active":true', `"active":${value}`)
    server.answer = raw(claims)
    const verifier = createVerifier(await optionsFor(server))
    expect(await outcome(verifier.verify(opaqueToken()))).toBe('introspection_unavailable')
  })

  it('active only under __proto__ or constructor.prototype is a 503', async () => {
    const verifier = createVerifier(await optionsFor(server))
    const rest = JSON.stringify(activeClaims({ active: undefined })).slice(1, -1)
    for (const text of [
      `{"__proto__":{"active":true},${rest}}`,
      `{"constructor":{"prototype":{"active":true}},${rest}}`,
      `[{"active":true}]`,
      `"active"`,
    ]) {
      server.answer = raw(text)
      expect(await outcome(verifier.verify(opaqueToken()))).toBe('introspection_unavailable')
    }
  })
})

describe('a polluted Object.prototype (another library’s bug) does not make an answer active', () => {
  it('an answer without its own active is a 503 even when Object.prototype.active is true', async () => {
    server.answer = raw('{}')
    const verifier = createVerifier(
      await optionsFor(server, { requiredClaims: [] }, { audience: null, requiredClaims: [] }),
    )
    const prototype = Object.prototype as Record<string, unknown>
    prototype.active = true
    try {
      expect(await outcome(verifier.verify(opaqueToken()))).toBe('introspection_unavailable')
    } finally {
      delete prototype.active
    }
  })
})

describe('prototype keys in an active answer', () => {
  it('stay own data: the payload keeps Object.prototype and no scope appears from __proto__', async () => {
    const rest = JSON.stringify(activeClaims({ scope: 'read' })).slice(1, -1)
    server.answer = raw(
      `{"__proto__":{"scope":"admin","scp":["admin"],"roles":["admin"]},"constructor":{"prototype":{"admin":true}},${rest}}`,
    )
    const verifier = createVerifier(await optionsFor(server, { cache: true }))
    for (let i = 0; i < 2; i++) {
      const { payload } = await verifier.verify(opaqueToken('proto'))
      expect(Object.getPrototypeOf(payload)).toBe(Object.prototype)
      expect(payload.scope).toBe('read')
      expect((payload as Record<string, unknown>).scp).toBeUndefined()
      expect((payload as Record<string, unknown>).roles).toBeUndefined()
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
    expect(({} as Record<string, unknown>).scope).toBeUndefined()
  })
})

describe('a cnf in the answer is checked whatever its shape', () => {
  it.each<[string, unknown]>([
    ['jkt', { jkt: 'A'.repeat(43) }],
    ['x5t#S256', { 'x5t#S256': 'A'.repeat(43) }],
    ['empty object', {}],
    ['string', 'bound'],
    ['null', null],
    ['array', [{ jkt: 'A'.repeat(43) }]],
    ['unknown member', { jwk: { kty: 'EC' } }],
  ])('cnf %s is refused on a bare verify (binding_unverified), cache on or off', async (_name, cnf) => {
    server.answer = json(activeClaims({ cnf }))
    for (const cache of [false, true]) {
      const verifier = createVerifier(await optionsFor(server, { cache }))
      const token = opaqueToken('bound')
      expect(await outcome(verifier.verify(token))).toBe('binding_unverified')
      // A second look (served from the introspection cache when it is on) is refused the same way.
      expect(await outcome(verifier.verify(token))).toBe('binding_unverified')
    }
  })
})

describe('the token cannot change the request it travels in', () => {
  it.each<[string, string]>([
    ['form separators', 'a&client_id=evil&token=other&token_type_hint=refresh_token'],
    ['CRLF', 'a\r\nx-injected: 1\r\n\r\ntoken=b'],
    ['percent and plus', 'a%26b+c%3D'],
    ['unicode', 'jeton-\u00e9\u2028\u{1f600}'],
  ])('%s: one token parameter, equal to the token; credentials untouched', async (_name, token) => {
    for (const authMethod of ['client_secret_basic', 'client_secret_post'] as const) {
      server.requests.length = 0
      const verifier = createVerifier(await optionsFor(server, { authMethod }))
      await verifier.verify(token)
      const [request] = server.requests
      expect(server.requests).toHaveLength(1)
      expect(request?.form.getAll('token')).toEqual([token])
      expect(request?.form.getAll('token_type_hint')).toEqual(['access_token'])
      expect(request?.headers['x-injected']).toBeUndefined()
      if (authMethod === 'client_secret_post') {
        expect(request?.form.getAll('client_id')).toEqual(['orders-api'])
        expect(request?.form.getAll('client_secret')).toEqual(['secret'])
      } else expect(request?.form.getAll('client_id')).toEqual([])
    }
  })
})

describe('signed answers cannot be forged', () => {
  const seconds = () => Math.floor(Date.now() / 1000)
  const body = () => ({
    iss: server.issuer,
    aud: 'orders-api',
    iat: seconds(),
    token_introspection: activeClaims(),
  })
  const signed =
    (jwt: string, type = 'application/token-introspection+jwt'): Answer =>
    (_request, res) =>
      void res.writeHead(200, { 'content-type': type }).end(jwt)

  async function sign(claims: Record<string, unknown>, header: Record<string, unknown>, signer: TestKey) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'token-introspection+jwt', ...header } as never)
      .sign(signer.privateKey)
  }

  it.each<[string, () => Promise<string>]>([
    [
      'alg none',
      async () =>
        `${b64url(JSON.stringify({ alg: 'none', typ: 'token-introspection+jwt' }))}.${b64url(JSON.stringify(body()))}.`,
    ],
    [
      'HS256 keyed with the public JWK',
      async () => {
        const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk))
        return new SignJWT(body())
          .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'token-introspection+jwt' })
          .sign(secret)
      },
    ],
    [
      'another issuer’s key with the same kid',
      async () => sign(body(), {}, await makeKey('ES256', { kid: 'as-key' })),
    ],
    ['an unknown kid', async () => sign(body(), { kid: 'other' }, await makeKey('ES256', { kid: 'other' }))],
    ['typ at+jwt', async () => sign(body(), { typ: 'at+jwt' }, key)],
    ['typ JWT', async () => sign(body(), { typ: 'JWT' }, key)],
    ['no typ', async () => sign(body(), { typ: undefined }, key)],
    ['aud another client', async () => sign({ ...body(), aud: 'other-api' }, {}, key)],
    ['aud [] ', async () => sign({ ...body(), aud: [] }, {}, key)],
    [
      'aud as an object holding the client id',
      async () => sign({ ...body(), aud: { 0: 'orders-api' } }, {}, key),
    ],
    ['aud "orders-api " (trailing space)', async () => sign({ ...body(), aud: 'orders-api ' }, {}, key)],
    ['iss another', async () => sign({ ...body(), iss: 'https://other.example/' }, {}, key)],
    [
      'token_introspection nested 100 levels deep',
      async () => {
        let deep: unknown = 'x'
        for (let i = 0; i < 100; i++) deep = { d: deep }
        return sign({ ...body(), token_introspection: { ...activeClaims(), deep } }, {}, key)
      },
    ],
    [
      'token_introspection a string',
      async () => sign({ ...body(), token_introspection: '{"active":true}' }, {}, key),
    ],
    [
      'token_introspection missing, active at the top',
      async () => sign({ ...body(), token_introspection: undefined, ...activeClaims() }, {}, key),
    ],
  ])('%s is a 503', async (_name, make) => {
    server.answer = signed(await make())
    const verifier = createVerifier(await optionsFor(server, { signedResponse: true }))
    expect(await outcome(verifier.verify(opaqueToken()))).toMatch(
      /^(introspection_unavailable|keys_unavailable)$/,
    )
  })

  /**
   * HOLE (medium where signed answers are the reason to use them): RFC 9701 answers are not bound to the
   * token asked about, and `openSignedAnswer` (introspection-answer.ts:59) requires `iat` but never checks
   * its age. Whoever sits between this API and the endpoint — the untrusted TLS terminator docs/introspection.md
   * names as the use case — can answer any introspection request, for any random string, with an active
   * signed answer captured once (an administrator's, say) for as long as its inner `exp` allows, or forever
   * without one. Expected: an answer minted long before the request is refused (503), so a captured
   * answer replays for seconds at most; and the docs say that signed answers stop tampering, not substitution.
   */
  it.each<[string, number]>([
    ['a day ago', -86_400],
    ['an hour ago', -3_600],
    ['an hour in the future', 3_600],
  ])('a signed answer minted %s is a 503 (a replayed answer)', async (_name, offset) => {
    server.answer = signed(await sign({ ...body(), iat: seconds() + offset }, {}, key))
    const verifier = createVerifier(await optionsFor(server, { signedResponse: true }))
    expect(await outcome(verifier.verify(opaqueToken()))).toBe('introspection_unavailable')
  })

  it('an unsigned JSON answer is refused when signed answers are on, whatever the content-type says', async () => {
    server.answer = raw(JSON.stringify(activeClaims()), 'application/token-introspection+jwt')
    const verifier = createVerifier(await optionsFor(server, { signedResponse: true }))
    expect(await outcome(verifier.verify(opaqueToken()))).toBe('introspection_unavailable')
  })

  it('a good signed answer passes, with typ in any case (RFC 7515 §4.1.9)', async () => {
    server.answer = signed(await sign(body(), { typ: 'Token-Introspection+JWT' }, key))
    const verifier = createVerifier(await optionsFor(server, { signedResponse: true }))
    expect(await outcome(verifier.verify(opaqueToken()))).toBe('passed')
  })
})

describe('selectIntrospectionIssuer edge cases', () => {
  let other: IntrospectionServer
  beforeAll(async () => {
    other = await startIntrospectionServer()
  })
  afterAll(() => other.close())

  async function twoIssuers(select: (token: string) => unknown): Promise<VerifierOptions> {
    const a = (await optionsFor(server)).issuer as unknown[]
    const b = (await optionsFor(other)).issuer as unknown[]
    return {
      issuer: [...a, ...b],
      audience: (await optionsFor(server)).audience,
      selectIntrospectionIssuer: select as never,
    } as VerifierOptions
  }

  it.each<[string, (token: string) => unknown]>([
    ['__proto__', () => '__proto__'],
    ['constructor', () => 'constructor'],
    ['hasOwnProperty', () => 'hasOwnProperty'],
    ['the issuer with a trailing slash', () => `${server.issuer}/`],
    ['the issuer as a String object', () => new String(server.issuer)],
    ['a promise of the issuer', async () => server.issuer],
    ['an array of both', () => [server.issuer, other.issuer]],
    ['null', () => null],
    ['the token itself (a URL)', (token) => token],
  ])('%s: no request anywhere, and no pass', async (_name, select) => {
    const verifier = createVerifier(await twoIssuers(select))
    const result = await outcome(verifier.verify(`${other.issuer}/introspect`))
    expect(result).not.toBe('passed')
    expect(server.requests).toHaveLength(0)
    expect(other.requests).toHaveLength(0)
  })
})

describe("tokens: 'all' keeps the JWT rules that need no key", () => {
  /**
   * HOLE (low): with `tokens: 'all'` the JWT's header is decoded (create-verifier.ts parses it to select
   * the issuer) but `checkTokenType(header.typ, accessTokenOnly)` is skipped, and `verifyIntrospected` runs
   * the claim checks with `accessTokenOnly: false`. A JWT of another kind from the same issuer (a logout
   * token `logout+jwt`, a `secevent+jwt`, an ID token under `tokenType: 'at+jwt'`) that the authorization
   * server reports active is accepted as an access token, though the same JWT verified locally is refused.
   */
  it.each<[string, string, Partial<VerifierOptions>]>([
    ['typ logout+jwt (default typing)', 'logout+jwt', {}],
    ['typ secevent+jwt (default typing)', 'secevent+jwt', {}],
    ["typ JWT under tokenType: 'at+jwt'", 'JWT', { tokenType: 'at+jwt' }],
  ])('%s is refused, as it is when verified locally', async (_name, typ, extra) => {
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      iss: server.issuer,
      aud: activeClaims().aud as string,
      sub: 'user-1',
      client_id: 'spa',
      jti: 'j-1',
      iat: now,
      exp: now + 600,
    }
    const jwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ })
      .sign(key.privateKey)
    const local = createVerifier(await optionsFor(server, {}, extra))
    const introspected = createVerifier(await optionsFor(server, { tokens: 'all' }, extra))
    server.answer = json({ active: true, ...claims })
    const locally = await outcome(local.verify(jwt))
    expect(locally).toBe('claim_invalid')
    expect(await outcome(introspected.verify(jwt))).toBe(locally)
  })
})
