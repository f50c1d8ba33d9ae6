import { claims } from '../../../core/test/support/keys.js'
import type { RawRequest } from '../support/raw-http.js'
import { ANY } from './response-checks.js'
import { good, unsigned, type Fixture } from './fixture.js'
import type { Row } from './rows.js'

/**
 * Catalog section G (59–66), item 62 and item 125: how a request carries credentials, and what the app
 * sees.
 */

const bearer = (token: string): RawRequest => ({ headers: [['authorization', `Bearer ${token}`]] })
const withHeader = (token: string, scheme: string): RawRequest => ({
  headers: [['authorization', `${scheme} ${token}`]],
})
const bare = {}
const invalidToken = { error: 'invalid_token', error_description: ANY }
const invalidRequest = { error: 'invalid_request', error_description: ANY }
const preflight: Array<[string, string]> = [
  ['origin', 'https://app.example'],
  ['access-control-request-method', 'GET'],
  ['access-control-request-headers', 'authorization'],
]

export const TRANSPORT_ROWS: Row[] = [
  // 59. Extraction edge cases.
  {
    item: '59',
    name: 'no credentials → 401 bare challenge',
    request: async () => ({}),
    status: 401,
    challenge: bare,
  },
  {
    item: '59',
    name: 'Basic scheme → 401 bare challenge',
    request: async () => ({ headers: [['authorization', 'Basic dXNlcjpwYXNz']] }),
    status: 401,
    challenge: bare,
  },
  {
    item: '59',
    name: 'scheme "bearer" in lower case → 200',
    request: async (f) => withHeader(await good(f), 'bearer'),
    status: 200,
    challenge: null,
  },
  {
    item: '59',
    name: 'scheme "BEARER" → 200',
    request: async (f) => withHeader(await good(f), 'BEARER'),
    status: 200,
    challenge: null,
  },
  {
    item: '59',
    name: 'two spaces after "Bearer" → 200 (1*SP), pinned',
    request: async (f) => withHeader(` ${await good(f)}`, 'Bearer'),
    status: 200,
    challenge: null,
  },
  ...['Bearer', 'Bearer a b', 'Bearer "quoted.token.here"', 'Bearer abc.def.ghi,'].map((value): Row => ({
    item: '59',
    name: `Authorization ${JSON.stringify(value)} → 400 invalid_request`,
    request: async () => ({ headers: [['authorization', value]] }),
    status: 400,
    challenge: invalidRequest,
  })),
  {
    item: '59',
    name: 'empty Authorization header → 401 bare challenge',
    request: async () => ({ headers: [['authorization', '']] }),
    status: 401,
    challenge: bare,
  },
  {
    item: '59',
    name: 'Latin-1 bytes in the bearer value → 400 invalid_request',
    request: async () => ({ headers: [['authorization', 'Bearer tok\u00e9n.\u00ff\u00fe.x']] }),
    status: 400,
    challenge: invalidRequest,
  },
  // 60. More than one token or method.
  {
    item: '60',
    name: 'two Authorization header lines, same token → 400 invalid_request',
    request: async (f) => {
      const token = await good(f)
      return {
        headers: [
          ['authorization', `Bearer ${token}`],
          ['Authorization', `Bearer ${token}`],
        ],
      }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    item: '60',
    name: 'Authorization lines "Bearer X" and "DPoP X" → 400 invalid_request',
    request: async (f) => {
      const token = await good(f)
      return {
        headers: [
          ['authorization', `Bearer ${token}`],
          ['authorization', `DPoP ${token}`],
        ],
      }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    item: '60',
    name: 'token in the header and the query (query enabled) → 400 invalid_request',
    profile: 'query',
    request: async (f) => {
      const token = await good(f)
      return { ...bearer(token), path: `/protected?access_token=${token}` }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    item: '60',
    name: 'access_token twice in the query → 400 invalid_request',
    profile: 'query',
    request: async (f) => {
      const token = await good(f)
      return { path: `/protected?access_token=${token}&access_token=${token}` }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    item: '60',
    name: '50 Authorization header lines → 400 invalid_request',
    request: async () => ({
      headers: Array.from({ length: 50 }, (_, i): [string, string] => ['authorization', `Bearer t${i}`]),
    }),
    status: 400,
    challenge: invalidRequest,
  },
  // 61. Location policy.
  {
    item: '61',
    name: 'token in the query alone, query enabled → 200',
    profile: 'query',
    request: async (f) => ({ path: `/protected?access_token=${await good(f)}` }),
    status: 200,
    challenge: null,
  },
  {
    item: '61',
    name: 'broken percent-encoding in the query token (query enabled) → 401 invalid_token',
    profile: 'query',
    request: async () => ({ path: '/protected?access_token=%ZZ%E0%A4%A.%00.%' }),
    status: 401,
    challenge: invalidToken,
  },
  {
    item: '61',
    name: 'token in the query, query not enabled → 401 bare challenge (ignored)',
    request: async (f) => ({ path: `/protected?access_token=${await good(f)}` }),
    status: 401,
    challenge: bare,
  },
  // 62 / 77. Oversized credentials.
  {
    item: '62',
    name: 'token of 9 000 characters → 401 invalid_token, refused before decoding',
    request: async (f) => bearer(await good(f, { pad: 'x'.repeat(6500) })),
    status: 401,
    challenge: invalidToken,
  },
  {
    item: '62',
    name: 'Authorization header of 20 KB → 431 from Node, before any middleware',
    request: async (f) => bearer(await good(f, { pad: 'x'.repeat(20_000) })),
    status: 431,
    challenge: null,
  },
  // 63. Error classification: infrastructure faults are 503, never 500, never 401.
  {
    item: '63',
    name: 'isRevoked throws a TypeError → 503, no challenge',
    profile: 'revocationThrows',
    request: async (f) => bearer(await good(f)),
    status: 503,
    challenge: null,
  },
  {
    item: '63',
    name: 'isRevoked rejects with a non-Error value → 503, no challenge',
    profile: 'revocationRejects',
    request: async (f) => bearer(await good(f)),
    status: 503,
    challenge: null,
  },
  {
    item: '63',
    name: 'JWKS server down, nothing cached → 503, no challenge',
    profile: 'keysDown',
    request: async (f) => bearer(await f.down.sign({ scope: 'read:items' })),
    status: 503,
    challenge: null,
  },
  // 64. Optional auth must not fail open.
  {
    item: '64',
    name: 'optional auth, no token → 200 anonymous',
    profile: 'optional',
    request: async () => ({}),
    status: 200,
    challenge: null,
    attached: false,
    body: ({ auth }) => {
      if (auth !== null) throw new Error('expected no claims')
    },
  },
  {
    item: '64',
    name: 'optional auth, Basic scheme → 200 anonymous (not a bearer credential), pinned',
    profile: 'optional',
    request: async () => ({ headers: [['authorization', 'Basic dXNlcjpwYXNz']] }),
    status: 200,
    challenge: null,
    attached: false,
    body: ({ auth }) => {
      if (auth !== null) throw new Error('expected no claims')
    },
  },
  ...(
    [
      ['bad signature', async (f: Fixture) => `${(await good(f)).slice(0, -4)}AAAA`],
      ['expired token', (f: Fixture) => good(f, { exp: 1 })],
      ['alg none', () => unsigned('none', '')],
    ] as const
  ).map(([what, make]): Row => ({
    item: '64',
    name: `optional auth, ${what} → 401 invalid_token, no claims attached`,
    profile: 'optional',
    request: async (f) => bearer(await make(f)),
    status: 401,
    challenge: invalidToken,
  })),
  {
    item: '64',
    name: 'optional auth, "Bearer a b" → 400 invalid_request',
    profile: 'optional',
    request: async () => ({ headers: [['authorization', 'Bearer a b']] }),
    status: 400,
    challenge: invalidRequest,
  },
  // 65 and 125. CORS preflight and method tricks: by default a preflight is authenticated like any request
  // (a forged one is two header values); with allowPreflight: true only a true preflight passes untouched.
  {
    item: '125',
    name: 'CORS preflight without a token → 401 bare challenge, the OPTIONS handler never runs (default)',
    request: async () => ({ method: 'OPTIONS', headers: preflight }),
    status: 401,
    challenge: bare,
  },
  {
    item: '65',
    name: 'CORS preflight carrying a forged token → 401 invalid_token (default)',
    request: async () => ({
      method: 'OPTIONS',
      headers: [...preflight, ['authorization', `Bearer ${unsigned('none', '')}`]],
    }),
    status: 401,
    challenge: invalidToken,
  },
  {
    item: '65',
    name: 'CORS preflight carrying a valid token → 204 with the claims attached (default)',
    request: async (f) => ({
      method: 'OPTIONS',
      headers: [...preflight, ['authorization', `Bearer ${await good(f)}`]],
    }),
    status: 204,
    challenge: null,
    attached: true,
  },
  {
    item: '65',
    name: 'allowPreflight: true, CORS preflight → 204, not challenged, nothing attached',
    profile: 'preflightAllowed',
    request: async () => ({ method: 'OPTIONS', headers: preflight }),
    status: 204,
    challenge: null,
    attached: false,
  },
  {
    item: '65',
    name: 'allowPreflight: true, CORS preflight carrying a forged token → 204, the token is neither verified nor attached',
    profile: 'preflightAllowed',
    request: async () => ({
      method: 'OPTIONS',
      headers: [...preflight, ['authorization', `Bearer ${unsigned('none', '')}`]],
    }),
    status: 204,
    challenge: null,
    attached: false,
  },
  ...(['static', 'preflightAllowed'] as const).flatMap((profile): Row[] => [
    {
      item: '65',
      name: `${profile}: plain OPTIONS without Access-Control-Request-Method → 401`,
      profile,
      request: async () => ({ method: 'OPTIONS' }),
      status: 401,
      challenge: bare,
    },
    {
      item: '65',
      name: `${profile}: POST with X-HTTP-Method-Override: OPTIONS and preflight headers → 401`,
      profile,
      request: async () => ({
        method: 'POST',
        headers: [...preflight, ['x-http-method-override', 'OPTIONS'], ['content-length', '0']],
      }),
      status: 401,
      challenge: bare,
    },
    {
      item: '65',
      name: `${profile}: GET with Access-Control-Request-Method → 401`,
      profile,
      request: async () => ({ headers: preflight }),
      status: 401,
      challenge: bare,
    },
  ]),
  // 66. Claims attached only after full success.
  {
    item: '66',
    name: 'revoked token (the last check fails) → 401, no claims attached',
    profile: 'revokedJti',
    request: async (f) => bearer(await good(f, { jti: 'revoked' })),
    status: 401,
    challenge: invalidToken,
  },
  {
    item: '66',
    name: 'validate() refuses → 401, no claims attached',
    profile: 'validateRejects',
    request: async (f) => bearer(await good(f, { sub: 'mallory' })),
    status: 401,
    challenge: invalidToken,
  },
  {
    item: '66',
    name: 'missing scope → 403; the verified claims stay on the request, the handler never runs, pinned',
    request: async (f) => ({ ...bearer(await good(f, { scope: 'write:items' })), path: '/scoped' }),
    status: 403,
    challenge: { error: 'insufficient_scope', error_description: ANY, scope: 'read:items' },
  },
  {
    item: '66',
    name: 'POST with a valid token → 200 (sanity for the POST route)',
    request: async (f) => ({
      method: 'POST',
      headers: [...(bearer(await good(f, claims())).headers ?? []), ['content-length', '0']],
    }),
    status: 200,
    challenge: null,
  },
]
