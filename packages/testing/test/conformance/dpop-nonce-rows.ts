import { randomBytes } from 'node:crypto'
import { dpopError, nonceFromStep, withProof } from './dpop-proofs.js'
import type { Row } from './table.js'

/** A server nonce as the core hands it out: 43 base64url characters. */
const NONCE = /^[\w-]{43}$/
const useNonce = {
  status: 401,
  challenge: {},
  dpopChallenge: dpopError('use_dpop_nonce'),
  headers: { 'dpop-nonce': NONCE },
}

/** Server nonces (RFC 9449 §8), on the `dpopNonce` profile. */
export const DPOP_NONCE_ROWS: Row[] = [
  {
    name: 'DPoP nonce: proof without a nonce → 401 use_dpop_nonce with a DPoP-Nonce header',
    profile: 'dpopNonce',
    request: async (i, url) => withProof(i, url),
    ...useNonce,
  },
  {
    name: "DPoP nonce: proof with the nonce of the server's challenge → 200",
    profile: 'dpopNonce',
    request: async (i, url) => {
      const first = await withProof(i, url)
      const challenge = await fetch(`${url}${first.path}`, { headers: first.headers })
      const nonce = challenge.headers.get('dpop-nonce')
      if (challenge.status !== 401 || nonce === null) throw new Error('no nonce challenge')
      return withProof(i, url, { proof: { nonce } })
    },
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP nonce: wrong nonce → 401 use_dpop_nonce with a DPoP-Nonce header',
    profile: 'dpopNonce',
    request: async (i, url) => withProof(i, url, { proof: { nonce: randomBytes(32).toString('base64url') } }),
    ...useNonce,
  },
  {
    name: "DPoP nonce: another secret's nonce → 401 use_dpop_nonce",
    profile: 'dpopNonce',
    request: async (i, url) =>
      withProof(i, url, { proof: { nonce: nonceFromStep(0, 'another-secret-of-at-least-32-bytes!!') } }),
    ...useNonce,
  },
  {
    name: 'DPoP nonce: expired nonce (two time steps old) → 401 use_dpop_nonce',
    profile: 'dpopNonce',
    request: async (i, url) => withProof(i, url, { proof: { nonce: nonceFromStep(2) } }),
    ...useNonce,
  },
  {
    name: 'DPoP nonce: invalid proof → 401 invalid_dpop_proof, with a fresh DPoP-Nonce',
    profile: 'dpopNonce',
    request: async (i, url) => withProof(i, url, { proof: { method: 'PUT', nonce: nonceFromStep(0) } }),
    status: 401,
    challenge: {},
    dpopChallenge: dpopError('invalid_dpop_proof'),
    headers: { 'dpop-nonce': NONCE },
  },
  {
    name: 'DPoP nonce: Bearer request → no DPoP-Nonce',
    profile: 'dpopNonce',
    request: async (i) => ({ headers: { authorization: `Bearer ${await i.trusted.sign()}` } }),
    status: 200,
    challenge: null,
    headers: { 'dpop-nonce': null },
  },
]
