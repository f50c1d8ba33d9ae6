import { SCOPE } from './app-contract.js'
import {
  boundToken,
  dpopClient,
  dpopHeaders,
  hmacProof,
  dpopError,
  NONCE_SECRET,
  otherDpopClient,
  privateJwkProof,
  PUBLIC_ORIGIN,
  unsignedProof,
  weakRsaProof,
  withProof,
} from './dpop-proofs.js'
import { DPOP_HOST_ROWS } from './dpop-host-rows.js'
import { DPOP_NONCE_ROWS } from './dpop-nonce-rows.js'
import { ANY, DPOP_ONLY, type Issuers, type Row } from './table.js'

const trusted = (i: Issuers) => ({ issuer: i.trusted.url, audience: i.trusted.audience })

/** Option profiles of the DPoP rows (RFC 9449), merged with the table's own. */
export const DPOP_PROFILES = {
  dpopRequired: (i: Issuers) => ({ ...trusted(i), dpop: { mode: 'required' } }),
  dpopDisabled: (i: Issuers) => ({ ...trusted(i), dpop: { mode: 'disabled' } }),
  dpopNonce: (i: Issuers) => ({ ...trusted(i), dpop: { nonce: { secret: NONCE_SECRET } } }),
  dpopPublicOrigin: (i: Issuers) => ({ ...trusted(i), publicOrigin: PUBLIC_ORIGIN }),
  dpopStoreThrows: (i: Issuers) => ({
    ...trusted(i),
    dpop: {
      replayStore: {
        useOnce: () => {
          throw new Error('replay store down')
        },
      },
    },
  }),
  dpopStoreNotBoolean: (i: Issuers) => ({
    ...trusted(i),
    dpop: { replayStore: { useOnce: async () => 'yes' } },
  }),
} satisfies Record<string, (issuers: Issuers) => Record<string, unknown>>

export type DpopProfile = keyof typeof DPOP_PROFILES

const invalidProof = { challenge: {}, dpopChallenge: dpopError('invalid_dpop_proof') }

const seconds = () => Math.floor(Date.now() / 1000)

function expectBound(body: unknown): void {
  const { auth } = body as { auth: { cnf?: { jkt?: unknown } } | null }
  if (typeof auth?.cnf?.jkt !== 'string') throw new Error(`unexpected body ${JSON.stringify(body)}`)
}

/** DPoP rows: hostile and valid requests with proofs, run against every framework like the table's own. */
export const DPOP_ROWS: Row[] = [
  {
    name: 'DPoP: bound token with a valid proof → 200',
    request: async (i, url) => withProof(i, url),
    status: 200,
    challenge: null,
    headers: { 'dpop-nonce': null },
    body: expectBound,
  },
  {
    name: 'DPoP: bound token with a valid proof, mode required → 200',
    profile: 'dpopRequired',
    request: async (i, url) => withProof(i, url),
    status: 200,
    challenge: null,
    body: expectBound,
  },
  {
    name: 'DPoP: unbound token with a valid proof, mode allowed → 200',
    request: async (i, url) => {
      const token = await i.trusted.sign({ scope: SCOPE })
      const proof = await (await dpopClient()).proof({ url: `${url}/protected`, accessToken: token })
      return { headers: dpopHeaders(token, proof) }
    },
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP: unbound token with a valid proof, mode required → 401 invalid_token',
    profile: 'dpopRequired',
    request: async (i, url) => {
      const token = await i.trusted.sign({ scope: SCOPE })
      const proof = await (await dpopClient()).proof({ url: `${url}/protected`, accessToken: token })
      return { headers: dpopHeaders(token, proof) }
    },
    status: 401,
    challenge: DPOP_ONLY,
    dpopChallenge: dpopError('invalid_token'),
  },
  {
    name: 'DPoP: Bearer token, mode required → 401 with the DPoP challenge only',
    profile: 'dpopRequired',
    request: async (i) => ({ headers: { authorization: `Bearer ${await i.trusted.sign()}` } }),
    status: 401,
    challenge: DPOP_ONLY,
    dpopChallenge: { algs: ANY },
  },
  {
    name: 'DPoP: replayed proof (second use) → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const req = await withProof(i, url)
      const first = await fetch(`${url}${req.path}`, { headers: req.headers as Record<string, string> })
      if (first.status !== 200) throw new Error(`first use answered ${first.status}`)
      return req
    },
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: proof for another method → 401 invalid_dpop_proof',
    request: async (i, url) => withProof(i, url, { proof: { method: 'POST' } }),
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: proof for another path → 401 invalid_dpop_proof',
    request: async (i, url) => ({ ...(await withProof(i, url, { path: '/scoped' })), path: '/protected' }),
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: proof without ath → 401 invalid_dpop_proof',
    request: async (i, url) => withProof(i, url, { proof: { accessToken: undefined } }),
    status: 401,
    ...invalidProof,
  },
  {
    name: "DPoP: proof whose ath is another token's hash → 401 invalid_dpop_proof",
    request: async (i, url) => withProof(i, url, { proof: { accessToken: await i.trusted.sign() } }),
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: iat 320 s old (within maxAge 300 + clockTolerance 30) → 200',
    request: async (i, url) => withProof(i, url, { proof: { iat: seconds() - 320 } }),
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP: iat 345 s old (past maxAge + clockTolerance) → 401 invalid_dpop_proof',
    request: async (i, url) => withProof(i, url, { proof: { iat: seconds() - 345 } }),
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: iat 20 s ahead (within clockTolerance 30) → 200',
    request: async (i, url) => withProof(i, url, { proof: { iat: seconds() + 20 } }),
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP: iat 45 s ahead (past clockTolerance) → 401 invalid_dpop_proof',
    request: async (i, url) => withProof(i, url, { proof: { iat: seconds() + 45 } }),
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: private key in the jwk header → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const token = await i.trusted.sign()
      return { headers: dpopHeaders(token, await privateJwkProof(`${url}/protected`, token)) }
    },
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: alg none proof → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const { token } = await boundToken(i)
      return { headers: dpopHeaders(token, await unsignedProof(`${url}/protected`, token)) }
    },
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: HS256 proof → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const { token } = await boundToken(i)
      return { headers: dpopHeaders(token, await hmacProof(`${url}/protected`, token)) }
    },
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: proof signed with an RSA-1024 key → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const token = await i.trusted.sign()
      return { headers: dpopHeaders(token, weakRsaProof(`${url}/protected`, token)) }
    },
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: two DPoP headers → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const { client, token } = await boundToken(i)
      const proofs = [0, 1].map(() => client.proof({ url: `${url}/protected`, accessToken: token }))
      return { headers: dpopHeaders(token, await Promise.all(proofs)) }
    },
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: two proofs comma-joined in one DPoP header → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const { client, token } = await boundToken(i)
      const proofs = [0, 1].map(() => client.proof({ url: `${url}/protected`, accessToken: token }))
      return { headers: dpopHeaders(token, (await Promise.all(proofs)).join(', ')) }
    },
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: no DPoP header with the DPoP scheme → 401 invalid_dpop_proof',
    request: async (i) => ({ headers: { authorization: `DPoP ${(await boundToken(i)).token}` } }),
    status: 401,
    ...invalidProof,
  },
  {
    name: 'DPoP: bound token sent as Bearer → 401 invalid_token in the Bearer challenge',
    request: async (i) => ({ headers: { authorization: `Bearer ${(await boundToken(i)).token}` } }),
    status: 401,
    challenge: { error: 'invalid_token', error_description: ANY },
  },
  {
    name: 'DPoP: Bearer token with a DPoP header → 400 invalid_request',
    request: async (i, url) => {
      const { client, token } = await boundToken(i)
      const proof = await client.proof({ url: `${url}/protected`, accessToken: token })
      return { headers: { authorization: `Bearer ${token}`, dpop: proof } }
    },
    status: 400,
    challenge: { error: 'invalid_request', error_description: ANY },
  },
  {
    name: 'DPoP: proof signed by another key than cnf.jkt → 401 invalid_token in the DPoP challenge',
    request: async (i, url) => {
      const { token } = await boundToken(i)
      const proof = await (await otherDpopClient()).proof({ url: `${url}/protected`, accessToken: token })
      return { headers: dpopHeaders(token, proof) }
    },
    status: 401,
    challenge: {},
    dpopChallenge: dpopError('invalid_token'),
  },
  {
    name: 'DPoP: bound token without the scope on /scoped → 403 insufficient_scope in the DPoP challenge',
    request: async (i, url) => withProof(i, url, { path: '/scoped', claims: { scope: 'other' } }),
    status: 403,
    challenge: {},
    dpopChallenge: { ...dpopError('insufficient_scope'), scope: SCOPE },
  },
  {
    name: 'DPoP: bound token with the scope on /scoped → 200',
    request: async (i, url) => withProof(i, url, { path: '/scoped', claims: { scope: SCOPE } }),
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP: DPoP scheme when mode is disabled → 401 bare Bearer challenge',
    profile: 'dpopDisabled',
    request: async (i, url) => withProof(i, url),
    status: 401,
    challenge: {},
    dpopChallenge: null,
  },
  {
    name: 'DPoP: replay store that throws → 503, never a pass',
    profile: 'dpopStoreThrows',
    request: async (i, url) => withProof(i, url),
    status: 503,
    challenge: null,
  },
  {
    name: 'DPoP: replay store answering a non-boolean → 503, never a pass',
    profile: 'dpopStoreNotBoolean',
    request: async (i, url) => withProof(i, url),
    status: 503,
    challenge: null,
  },
  ...DPOP_NONCE_ROWS,
  ...DPOP_HOST_ROWS,
]
