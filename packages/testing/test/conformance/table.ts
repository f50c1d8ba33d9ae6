import type { DpopProfile } from './dpop-rows.js'
import type { TestIssuer } from '../../src/index.js'
import { SCOPE } from './app-contract.js'

/** Issuers every row can use: a live one the apps trust, another live one, and one that is down. */
export interface Issuers {
  trusted: TestIssuer
  other: TestIssuer
  down: TestIssuer
}

/** Option sets; each gets its own app per framework. */
export const PROFILES = {
  default: (i: Issuers) => ({ issuer: i.trusted.url, audience: i.trusted.audience }),
  realm: (i: Issuers) => ({ issuer: i.trusted.url, audience: i.trusted.audience, realm: 'conformance' }),
  optional: (i: Issuers) => ({
    issuer: i.trusted.url,
    audience: i.trusted.audience,
    credentialsRequired: false,
  }),
  sources: (i: Issuers) => ({
    issuer: i.trusted.url,
    audience: i.trusted.audience,
    query: 'access_token',
    cookie: 'access_token',
  }),
  form: (i: Issuers) => ({ issuer: i.trusted.url, audience: i.trusted.audience, body: 'access_token' }),
  preflightAllowed: (i: Issuers) => ({
    issuer: i.trusted.url,
    audience: i.trusted.audience,
    allowPreflight: true,
  }),
  keysDown: (i: Issuers) => ({ issuer: i.down.url, audience: i.down.audience, jwks: { timeout: 2000 } }),
} satisfies Record<string, (issuers: Issuers) => Record<string, unknown>>

export type Profile = keyof typeof PROFILES | DpopProfile

/**
 * Expected `WWW-Authenticate`: `null` for none, else exactly the attributes of the Bearer challenge. Every
 * profile accepts DPoP too (its default `mode: 'allowed'`), so a DPoP challenge with `algs` and no error
 * follows unless the row says otherwise (`dpopChallenge`).
 */
export type Challenge = null | Record<string, string>

export interface Request {
  method?: 'GET' | 'OPTIONS' | 'POST' | 'PUT'
  path?: '/protected' | '/scoped'
  /** Header values; an array sends the header once per value (separate header lines). */
  headers?: Record<string, string | string[]>
  query?: string
  /** An `application/x-www-form-urlencoded` body (sent with GET too, when asked). */
  form?: string
  /** A JSON body. */
  json?: Record<string, unknown>
}

export interface Row {
  name: string
  profile?: Profile
  /** Builds the request; tokens it uses are returned so the response can be searched for them. */
  request: (issuers: Issuers, appUrl: string) => Promise<Request>
  status: number
  challenge: Challenge
  /** Expected attributes of the DPoP challenge, when they are not `{ algs }` (plus the realm). */
  dpopChallenge?: Record<string, string> | null
  /** Checks on the JSON body of a 2xx answer. */
  body?: (body: unknown) => void
  /** Expected response headers (lower-case names): a value, a pattern, or `null` for "absent". */
  headers?: Record<string, string | RegExp | null>
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
/** In a `Challenge`, `ANY` accepts any non-empty attribute value (descriptions are not part of the contract). */
export const ANY = '*'
/** `challenge` of a row answered with a DPoP challenge only (`dpop.mode: 'required'`): see `dpopChallenge`. */
export const DPOP_ONLY: Record<string, string> = Object.freeze({})
const invalidToken = { error: 'invalid_token', error_description: ANY }
const invalidRequest = { error: 'invalid_request', error_description: ANY }

function flipSignature(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  return `${header}.${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`
}

function unsigned(payload: Record<string, unknown>): string {
  const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url')
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`
}

/** The HTTP behaviour every adapter must show, whatever the framework. */
export const ROWS: Row[] = [
  {
    name: 'valid token → 200 with its claims',
    request: async (i) => ({ headers: bearer(await i.trusted.sign({ scope: SCOPE })) }),
    status: 200,
    challenge: null,
    body: (body) => {
      const { auth } = body as { auth: Record<string, unknown> }
      if (auth.sub !== 'test-user' || auth.scope !== SCOPE)
        throw new Error(`unexpected claims ${JSON.stringify(auth)}`)
    },
  },
  {
    name: 'valid token with the scope → 200 on a guarded route',
    request: async (i) => ({
      path: '/scoped',
      headers: bearer(await i.trusted.sign({ scope: `other ${SCOPE}` })),
    }),
    status: 200,
    challenge: null,
  },
  { name: 'no token → 401 bare challenge', request: async () => ({}), status: 401, challenge: {} },
  {
    name: 'no token, with a realm → 401 bare challenge with the realm',
    profile: 'realm',
    request: async () => ({}),
    status: 401,
    challenge: { realm: 'conformance' },
  },
  {
    name: 'Basic scheme → 401 bare challenge',
    request: async () => ({ headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    status: 401,
    challenge: {},
  },
  {
    name: '"Bearer" without a token → 400 invalid_request',
    request: async () => ({ headers: { authorization: 'Bearer' } }),
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: '"Bearer a b" → 400 invalid_request',
    request: async () => ({ headers: { authorization: 'Bearer a b' } }),
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: 'two Authorization headers → 400 invalid_request',
    request: async (i) => {
      const token = await i.trusted.sign()
      return { headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: 'token in the header and the query → 400 invalid_request',
    profile: 'sources',
    request: async (i) => {
      const token = await i.trusted.sign()
      return { headers: bearer(token), query: `access_token=${token}` }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: 'token in the header and a cookie → 400 invalid_request',
    profile: 'sources',
    request: async (i) => {
      const token = await i.trusted.sign()
      return { headers: { ...bearer(token), cookie: `access_token=${token}` } }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: 'token in a form body, when enabled → 200',
    profile: 'form',
    request: async (i) => ({ method: 'POST', form: `access_token=${await i.trusted.sign()}` }),
    status: 200,
    challenge: null,
    body: (body) => {
      if ((body as { auth: { sub?: unknown } | null }).auth?.sub !== 'test-user')
        throw new Error(`unexpected body ${JSON.stringify(body)}`)
    },
  },
  {
    name: 'token in a form body, when not enabled → 401 bare challenge',
    request: async (i) => ({ method: 'POST', form: `access_token=${await i.trusted.sign()}` }),
    status: 401,
    challenge: {},
  },
  {
    name: 'token in the form body of a GET → 401 bare challenge (RFC 6750 §2.2)',
    profile: 'form',
    request: async (i) => ({ method: 'GET', form: `access_token=${await i.trusted.sign()}` }),
    status: 401,
    challenge: {},
  },
  {
    name: 'token in a JSON body → 401 bare challenge (form bodies only)',
    profile: 'form',
    request: async (i) => ({ method: 'POST', json: { access_token: await i.trusted.sign() } }),
    status: 401,
    challenge: {},
  },
  {
    name: 'token in the header and a form body → 400 invalid_request',
    profile: 'form',
    request: async (i) => {
      const token = await i.trusted.sign()
      return { method: 'POST', headers: bearer(token), form: `access_token=${token}` }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: 'form field repeated → 400 invalid_request',
    profile: 'form',
    request: async (i) => {
      const token = await i.trusted.sign()
      return { method: 'POST', form: `access_token=${token}&access_token=${token}` }
    },
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: 'token in the query alone, when enabled → 200',
    profile: 'sources',
    request: async (i) => ({ query: `access_token=${await i.trusted.sign()}` }),
    status: 200,
    challenge: null,
  },
  {
    name: 'expired token → 401 invalid_token',
    request: async (i) => ({ headers: bearer(await i.trusted.sign({}, { expiresIn: -120 })) }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'wrong audience → 401 invalid_token',
    request: async (i) => ({
      headers: bearer(await i.trusted.sign({}, { audience: 'https://other-api.test' })),
    }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'wrong issuer (trusted key) → 401 invalid_token',
    request: async (i) => ({ headers: bearer(await i.trusted.sign({ iss: 'https://evil.example' })) }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'token of another issuer → 401 invalid_token',
    request: async (i) => ({ headers: bearer(await i.other.sign()) }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: "another issuer's key claiming the trusted iss → 401 invalid_token",
    request: async (i) => ({
      headers: bearer(await i.other.sign({ iss: i.trusted.url }, { header: { kid: i.trusted.kid } })),
    }),
    status: 401,
    challenge: invalidToken,
  },
  {
    // A well-formed thumbprint (RFC 7638's example), so the binding is one DPoP verifies: the token lacks its proof.
    name: 'DPoP-bound token (cnf.jkt) sent as Bearer → 401 invalid_token (binding_mismatch)',
    request: async (i) => ({
      headers: bearer(
        await i.trusted.sign({ scope: SCOPE, cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } }),
      ),
    }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'cnf.jkt that is no SHA-256 thumbprint, sent as Bearer → 401 invalid_token (binding_unverified)',
    request: async (i) => ({
      headers: bearer(await i.trusted.sign({ scope: SCOPE, cnf: { jkt: 'dGhpcyBpcyBhIHRodW1icHJpbnQ' } })),
    }),
    status: 401,
    challenge: invalidToken,
  },
  {
    // A well-formed thumbprint (RFC 8705's example), over plain HTTP: no client certificate to match it.
    name: 'certificate-bound token (cnf x5t#S256) without its client certificate → 401 invalid_token (binding_mismatch)',
    request: async (i) => ({
      headers: bearer(
        await i.trusted.sign({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }),
      ),
    }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'bad signature → 401 invalid_token',
    request: async (i) => ({ headers: bearer(flipSignature(await i.trusted.sign())) }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'alg none → 401 invalid_token',
    request: async (i) => {
      const now = Math.floor(Date.now() / 1000)
      return {
        headers: bearer(unsigned({ iss: i.trusted.url, aud: i.trusted.audience, sub: 'x', exp: now + 600 })),
      }
    },
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'not a JWT → 401 invalid_token',
    request: async () => ({ headers: bearer('not-a-jwt') }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'missing scope → 403 insufficient_scope naming the scope',
    request: async (i) => ({
      path: '/scoped',
      headers: bearer(await i.trusted.sign({ scope: 'write:items' })),
    }),
    status: 403,
    challenge: { error: 'insufficient_scope', error_description: ANY, scope: SCOPE },
  },
  {
    name: 'missing scope, with a realm → 403 carrying the realm',
    profile: 'realm',
    request: async (i) => ({ path: '/scoped', headers: bearer(await i.trusted.sign()) }),
    status: 403,
    challenge: { realm: 'conformance', error: 'insufficient_scope', error_description: ANY, scope: SCOPE },
  },
  {
    name: 'JWKS server down, no cached keys → 503 without a challenge',
    profile: 'keysDown',
    request: async (i) => ({ headers: bearer(await i.down.sign({ scope: SCOPE })) }),
    status: 503,
    challenge: null,
  },
  {
    name: 'credentialsRequired: false, no token → 200 without auth',
    profile: 'optional',
    request: async () => ({}),
    status: 200,
    challenge: null,
    body: (body) => {
      if ((body as { auth: unknown }).auth !== null) throw new Error('expected no auth')
    },
  },
  {
    name: 'credentialsRequired: false, valid token → 200 with auth',
    profile: 'optional',
    request: async (i) => ({ headers: bearer(await i.trusted.sign({ scope: SCOPE })) }),
    status: 200,
    challenge: null,
    body: (body) => {
      if ((body as { auth: { sub?: unknown } }).auth.sub !== 'test-user') throw new Error('expected auth')
    },
  },
  {
    name: 'credentialsRequired: false, invalid token → 401 invalid_token',
    profile: 'optional',
    request: async (i) => ({ headers: bearer(await i.trusted.sign({}, { expiresIn: -120 })) }),
    status: 401,
    challenge: invalidToken,
  },
  {
    name: 'credentialsRequired: false, malformed header → 400 invalid_request',
    profile: 'optional',
    request: async () => ({ headers: { authorization: 'Bearer a b' } }),
    status: 400,
    challenge: invalidRequest,
  },
  {
    name: 'credentialsRequired: false, no token on a guarded route → 401 bare challenge',
    profile: 'optional',
    request: async () => ({ path: '/scoped' }),
    status: 401,
    challenge: {},
  },
  {
    name: 'CORS preflight without a token → 401 bare challenge (allowPreflight is off by default)',
    request: async () => ({
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    }),
    status: 401,
    challenge: {},
  },
  {
    name: 'CORS preflight with a valid token → 204 (verified like any request)',
    request: async (i) => ({
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        ...bearer(await i.trusted.sign()),
      },
    }),
    status: 204,
    challenge: null,
  },
  {
    name: 'plain OPTIONS without Access-Control-Request-Method → 401',
    request: async () => ({ method: 'OPTIONS' }),
    status: 401,
    challenge: {},
  },
  {
    name: 'CORS preflight with allowPreflight: true → not challenged',
    profile: 'preflightAllowed',
    request: async () => ({
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    }),
    status: 204,
    challenge: null,
  },
  {
    name: 'plain OPTIONS with allowPreflight: true → 401',
    profile: 'preflightAllowed',
    request: async () => ({ method: 'OPTIONS' }),
    status: 401,
    challenge: {},
  },
  {
    name: 'GET with Access-Control-Request-Method, allowPreflight: true → 401',
    profile: 'preflightAllowed',
    request: async () => ({ headers: { 'access-control-request-method': 'GET' } }),
    status: 401,
    challenge: {},
  },
]

/**
 * Parses a `WWW-Authenticate` value holding one or more challenges (`Bearer a="b", DPoP c="d"`) into the
 * attributes of each scheme.
 */
export function parseChallenges(value: string): Record<string, Record<string, string>> {
  const challenges: Record<string, Record<string, string>> = {}
  let current: Record<string, string> | undefined
  for (const [, name, content] of value.matchAll(/([A-Za-z][\w-]*)(?:="([^"]*)")?(?:, | |$)/g)) {
    if (content === undefined) challenges[name as string] = current = {}
    else if (current) current[name as string] = content
  }
  return challenges
}

/** The attributes of the Bearer challenge; `undefined` when the value holds none. */
export function parseChallenge(value: string): Record<string, string> | undefined {
  return parseChallenges(value).Bearer
}
