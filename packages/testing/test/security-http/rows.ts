import { claims, NOW } from '../../../core/test/support/keys.js'
import type { RawRequest } from '../support/raw-http.js'
import { ANY, type ExpectedChallenge } from './response-checks.js'
import {
  attackerJwk,
  ecdsaTwin,
  escalated,
  good,
  hmacWith,
  nonCanonical,
  rawSigned,
  unsigned,
  type Fixture,
  type Profile,
} from './fixture.js'

/** One attack sent over HTTP to every framework, and the answer every adapter must give. */
export interface Row {
  /** Catalog item number(s), e.g. `'14'` or `'60'`. */
  item: string
  name: string
  profile?: Profile
  request: (f: Fixture) => Promise<RawRequest>
  status: number
  challenge: ExpectedChallenge
  /**
   * Whether the request object holds verified claims once the response is sent. Default: `true` for 200
   * and 403 (a verified token short of a scope), `false` otherwise (catalog item 66).
   */
  attached?: boolean
  /** Attacker-chosen text that must appear nowhere in the response. */
  forbidden?: string[]
  /** Checks on the JSON body of a 200. */
  body?: (body: { auth: Record<string, unknown> | null }) => void
}

const bearer = (token: string): RawRequest => ({ headers: [['authorization', `Bearer ${token}`]] })
const invalidToken = { error: 'invalid_token', error_description: ANY }
const invalidRequest = { error: 'invalid_request', error_description: ANY }
const insufficientScope = { error: 'insufficient_scope', error_description: ANY, scope: 'read:items' }

const token401 = (item: string, name: string, make: (f: Fixture) => Promise<string> | string): Row => ({
  item,
  name: `${name} → 401 invalid_token`,
  request: async (f) => bearer(await make(f)),
  status: 401,
  challenge: invalidToken,
})

const KID_INJECTIONS = [
  '../../../../../../etc/passwd',
  "' OR '1'='1' --",
  'a\r\nSet-Cookie: pwned=1',
  'a\r\nInjected: pwned',
  'x", error="none", realm="pwned',
  '|whoami; echo pwned',
  'pwned\u0000nul',
  `pwned-${'k'.repeat(2000)}`,
]

const ATTACKER_HEADERS = (f: Fixture, jwk: object): Array<[string, Record<string, unknown>]> => [
  ['jku → attacker JWK Set', { jku: `${f.listener.url}/jwks` }],
  ['x5u → attacker URL', { x5u: `${f.listener.url}/cert.pem` }],
  ['embedded attacker jwk', { jwk }],
  ['x5c chain', { x5c: ['MIIBszCCAVmgAwIBAgIUJunk'], x5t: 'dGh1bWI' }],
]

export const ROWS: Row[] = [
  // Baseline: the apps work, so every refusal below means something.
  {
    item: '-',
    name: 'valid RS256 token → 200 with its claims',
    request: async (f) => bearer(await good(f, { scope: 'read:items' })),
    status: 200,
    challenge: null,
    body: ({ auth }) => {
      if (auth?.sub !== 'user-1') throw new Error('expected the claims of the token')
    },
  },
  {
    item: '57',
    name: 'valid token with the scope → 200 on the guarded route',
    request: async (f) => ({ ...bearer(await good(f, { scope: 'a read:items' })), path: '/scoped' }),
    status: 200,
    challenge: null,
  },
  // A. Serialization and malleable encodings (1–5, 16).
  token401('1', 'not a JWT', () => 'not-a-jwt'),
  token401('1', 'two segments', async (f) => (await good(f)).split('.').slice(0, 2).join('.')),
  token401('5', 'signature with "==" padding', async (f) => `${await good(f)}==`),
  token401('3', 'standard-base64 "/" and "+" in the signature', async (f) => `${await good(f)}/+`),
  token401('4', 'non-canonical unused bits in the signature', async (f) => nonCanonical(await good(f))),
  token401('16', 'payload edited to add a scope, signature kept', async (f) => escalated(await good(f))),
  {
    item: '3',
    name: 'TAB inside the token → 400 invalid_request',
    request: async (f) => {
      const token = await good(f)
      return { headers: [['authorization', `Bearer ${token.slice(0, 30)}\t${token.slice(30)}`]] }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    item: '5',
    name: 'ECDSA twin (r, n−s) → 200, spec-legal, same claims',
    request: async (f) => bearer(ecdsaTwin(await good(f, { jti: 'twin' }, f.ec))),
    status: 200,
    challenge: null,
    body: ({ auth }) => {
      if (auth?.jti !== 'twin') throw new Error('expected the signed claims')
    },
  },
  // B. Algorithms (14, 17, 19).
  ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg) => [
    token401('14', `alg "${alg}", empty signature`, () => unsigned(alg, '')),
    token401('14', `alg "${alg}", garbage signature`, () => unsigned(alg, 'c2lnbmF0dXJl')),
  ]),
  token401('17', 'alg missing', (f) =>
    rawSigned(f.rsa, JSON.stringify({ kid: f.rsa.kid }), JSON.stringify(claims())),
  ),
  token401('19', 'HS256 MACed with the RSA public key as PEM', (f) => hmacWith(f, f.rsaPem)),
  token401('19', 'HS256 MACed with the public key as JWK text', (f) =>
    hmacWith(f, JSON.stringify(f.rsa.publicJwk)),
  ),
  token401('19', 'HS256 MACed with the public key as JWK Set text', (f) =>
    hmacWith(f, JSON.stringify({ keys: [f.rsa.publicJwk] })),
  ),
  // C. kid injection (30, 31) and header-supplied keys (27–29): never used, never fetched.
  ...KID_INJECTIONS.map((kid): Row => ({
    ...token401('30', `kid ${JSON.stringify(kid.slice(0, 40))}`, (f) =>
      rawSigned(f.rsa, JSON.stringify({ alg: 'RS256', kid }), JSON.stringify(claims())),
    ),
    forbidden: ['pwned', 'passwd', 'whoami'],
  })),
  token401('31', 'kid as a number', (f) =>
    rawSigned(f.rsa, JSON.stringify({ alg: 'RS256', kid: 1 }), JSON.stringify(claims())),
  ),
  {
    ...token401('30', 'unknown kid, JWK Set fetched through discovery', (f) =>
      f.trusted.sign({}, { header: { kid: 'a\r\nSet-Cookie: pwned=1' } }),
    ),
    profile: 'discovery',
    forbidden: ['pwned'],
  },
  ...[0, 1, 2, 3].map((index) =>
    token401('27–29', `attacker-signed with ${['jku', 'x5u', 'jwk', 'x5c'][index]} header`, async (f) => {
      const [, header] = ATTACKER_HEADERS(f, await attackerJwk(f))[index] as [string, Record<string, unknown>]
      const kid = f.attacker.kid
      return rawSigned(f.attacker, JSON.stringify({ alg: 'RS256', kid, ...header }), JSON.stringify(claims()))
    }),
  ),
  // D. crit and other header parameters (37–39).
  {
    ...token401('37–39', 'crit naming a parameter with CR/LF', (f) =>
      rawSigned(
        f.rsa,
        JSON.stringify({
          alg: 'RS256',
          kid: f.rsa.kid,
          crit: ['x\r\nInjected: pwned'],
          'x\r\nInjected: pwned': 1,
        }),
        JSON.stringify(claims()),
      ),
    ),
    forbidden: ['pwned'],
  },
  token401('38', 'crit ["exp"]', (f) =>
    rawSigned(
      f.rsa,
      JSON.stringify({ alg: 'RS256', kid: f.rsa.kid, crit: ['exp'] }),
      JSON.stringify(claims()),
    ),
  ),
  // E. Extreme claim values (43–53).
  token401('43', 'expired', (f) => good(f, { exp: NOW - 60 })),
  token401('44', 'not yet valid', (f) => good(f, { nbf: NOW + 600 })),
  token401('47', 'exp 1e400 (JSON infinity)', (f) =>
    rawSigned(
      f.rsa,
      JSON.stringify({ alg: 'RS256', kid: f.rsa.kid }),
      `{"iss":"https://issuer.example.com/","aud":"https://api.example.com","sub":"u","exp":1e400}`,
    ),
  ),
  token401('47', 'exp -1', (f) => good(f, { exp: -1 })),
  token401('46', 'exp as a string', (f) => good(f, { exp: String(NOW + 600) })),
  token401('48', 'iat in the future', (f) => good(f, { iat: NOW + 3600 })),
  token401('49', 'iss as an array', (f) => good(f, { iss: ['https://issuer.example.com/'] })),
  token401('50', 'aud with a non-string member', (f) => good(f, { aud: ['https://api.example.com', 5] })),
  token401('51', 'sub as a number', (f) => good(f, { sub: 123 })),
  token401('53', 'claims nested 100 levels', (f) => {
    let deep: unknown = 1
    for (let i = 0; i < 100; i++) deep = { d: deep }
    return good(f, { deep })
  }),
  {
    item: '47',
    name: 'exp 1e308 (huge but finite) → 200, pinned',
    request: async (f) => bearer(await good(f, { exp: 1e308 })),
    status: 200,
    challenge: null,
  },
  // F. 403 format (57): the scope attribute comes from configuration, never from the token.
  {
    item: '57',
    name: 'scope claim with quotes and a near-miss → 403 insufficient_scope',
    request: async (f) => ({
      ...bearer(await good(f, { scope: 'read:itemsX "admin" read:item' })),
      path: '/scoped',
    }),
    status: 403,
    challenge: insufficientScope,
    forbidden: ['admin', 'read:itemsX'],
  },
]
