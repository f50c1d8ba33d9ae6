import { dpopError, PUBLIC_ORIGIN, withProof } from './dpop-proofs.js'
import type { Row } from './table.js'

const invalidProof = { status: 401, challenge: {}, dpopChallenge: dpopError('invalid_dpop_proof') }
const EVIL = 'evil.example'

/**
 * Which URI a proof must name when `Host` or `X-Forwarded-Host` lie (the peer's bug): with the default
 * trust settings `X-Forwarded-Host` is ignored, and with `publicOrigin` the `Host` header is too.
 */
export const DPOP_HOST_ROWS: Row[] = [
  {
    name: 'DPoP host: proof for another host (localhost for 127.0.0.1) → 401 invalid_dpop_proof',
    request: async (i, url) =>
      withProof(i, url, { proof: { url: `${url.replace('127.0.0.1', 'localhost')}/protected` } }),
    ...invalidProof,
  },
  {
    name: 'DPoP host: proof for the forged X-Forwarded-Host (proxy not trusted) → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const req = await withProof(i, url, { proof: { url: `http://${EVIL}/protected` } })
      return { ...req, headers: { ...req.headers, 'x-forwarded-host': EVIL } }
    },
    ...invalidProof,
  },
  {
    name: 'DPoP host: proof for the real host with a forged X-Forwarded-Host → 200 (header ignored)',
    request: async (i, url) => {
      const req = await withProof(i, url)
      return { ...req, headers: { ...req.headers, 'x-forwarded-host': EVIL } }
    },
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP host: proof for the real host sent with another Host header → 401 invalid_dpop_proof',
    request: async (i, url) => {
      const req = await withProof(i, url)
      return { ...req, headers: { ...req.headers, host: EVIL } }
    },
    ...invalidProof,
  },
  {
    name: 'DPoP publicOrigin: proof for the public origin → 200',
    profile: 'dpopPublicOrigin',
    request: async (i) => withProof(i, PUBLIC_ORIGIN),
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP publicOrigin: proof for the public origin with a forged Host → 200 (Host ignored)',
    profile: 'dpopPublicOrigin',
    request: async (i) => {
      const req = await withProof(i, PUBLIC_ORIGIN)
      return { ...req, headers: { ...req.headers, host: EVIL, 'x-forwarded-host': EVIL } }
    },
    status: 200,
    challenge: null,
  },
  {
    name: 'DPoP publicOrigin: proof for the forged Host it was sent with → 401 invalid_dpop_proof',
    profile: 'dpopPublicOrigin',
    request: async (i) => {
      const req = await withProof(i, `http://${EVIL}`)
      return { ...req, headers: { ...req.headers, host: EVIL } }
    },
    ...invalidProof,
  },
  {
    name: "DPoP publicOrigin: proof for the app's own address → 401 invalid_dpop_proof",
    profile: 'dpopPublicOrigin',
    request: async (i, url) => withProof(i, url),
    ...invalidProof,
  },
]
