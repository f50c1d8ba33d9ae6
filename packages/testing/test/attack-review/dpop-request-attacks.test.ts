import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { DpopClient, TestIssuer } from '../../src/index.js'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { sendRaw } from '../support/raw-http.js'
import { ath, createDpopFixture, dpopHeaders, rawSigner, type DpopFixture } from './support/dpop-fixture.js'
import { expressProbeApp, rawRequest, type ProbeApp } from './support/raw-target.js'

/**
 * Attack review of DPoP (RFC 9449), target: the request — Authorization and DPoP header shapes,
 * the proof's header, key and claims, and what a refusal echoes — through real HTTP (Express 5).
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

describe('Authorization header shapes', () => {
  let app: ProbeApp
  beforeAll(async () => {
    app = await expressProbeApp(options)
  })
  afterAll(() => app.close())

  const proofFor = (app: ProbeApp, token = bound) =>
    victim.proof({ url: `${app.url}/protected`, accessToken: token })

  it('accepts the scheme in any case and with several spaces, ath over the token as extracted', async () => {
    for (const scheme of ['dpop ', 'DPOP ', 'DPoP   ']) {
      const proof = await proofFor(app)
      const res = await sendRaw(app.url, {
        headers: [
          ['authorization', `${scheme}${bound}`],
          ['dpop', proof],
        ],
      })
      expect(res.status).toBe(200)
    }
  })

  it('refuses DPoP with a tab, and never passes a bound token that way', async () => {
    const proof = await proofFor(app)
    const res = await sendRaw(app.url, {
      headers: [
        ['authorization', `DPoP\t${bound}`],
        ['dpop', proof],
      ],
    })
    expect([400, 401]).toContain(res.status)
  })

  it('refuses two Authorization headers (DPoP then Bearer, Bearer then DPoP)', async () => {
    const plain = await issuer.sign()
    for (const order of [0, 1]) {
      const proof = await proofFor(app)
      const lines: Array<[string, string]> = [
        ['authorization', `DPoP ${bound}`],
        ['authorization', `Bearer ${plain}`],
      ]
      if (order === 1) lines.reverse()
      const res = await sendRaw(app.url, { headers: [...lines, ['dpop', proof]] })
      expect([400, 401]).toContain(res.status)
    }
  })

  it('refuses a lower-case bearer scheme with a DPoP header (400)', async () => {
    const plain = await issuer.sign()
    const proof = await proofFor(app, plain)
    const res = await sendRaw(app.url, {
      headers: [
        ['authorization', `bearer ${plain}`],
        ['dpop', proof],
      ],
    })
    expect(res.status).toBe(400)
  })

  it('refuses a DPoP header over 8 KiB, and 8 KiB of dots, with 401', async () => {
    for (const value of ['a'.repeat(8193), '.'.repeat(8000), `${'a.'.repeat(4000)}a`]) {
      const res = await sendRaw(app.url, {
        headers: [
          ['authorization', `DPoP ${bound}`],
          ['dpop', value],
        ],
      })
      expect(res.status).toBe(401)
    }
  })

  it('never echoes the token or the proof in a refusal (body or headers)', async () => {
    const wrongKey = await attacker.proof({ url: `${app.url}/protected`, accessToken: bound })
    const stale = await victim.proof({ url: `${app.url}/protected`, accessToken: bound, iat: 1 })
    const cases: Array<Array<[string, string]>> = [
      dpopHeaders(bound, wrongKey),
      dpopHeaders(bound, stale),
      [['authorization', `Bearer ${bound}`]],
      [
        ['authorization', `Bearer ${bound}`],
        ['dpop', stale],
      ],
      dpopHeaders(`${bound}x`, stale),
    ]
    for (const headers of cases) {
      const res = await rawRequest(app.url, '/protected', headers)
      expect([400, 401]).toContain(res.status)
      for (const secret of [
        bound,
        stale,
        wrongKey,
        bound.split('.')[1] as string,
        stale.split('.')[2] as string,
      ])
        expect(res.text).not.toContain(secret)
    }
  })
})

describe('the proof itself', () => {
  let app: ProbeApp
  beforeAll(async () => {
    app = await expressProbeApp(options)
  })
  afterAll(() => app.close())

  const send = (proof: string) => rawRequest(app.url, '/protected', dpopHeaders(bound, proof))
  const url = () => `${app.url}/protected`

  // jose will not sign these headers, so the proofs are signed by hand.
  it('refuses an unknown crit parameter', async () => {
    const raw = await rawSigner()
    const token = await issuer.sign({ cnf: { jkt: raw.thumbprint } })
    const claims = {
      htm: 'GET',
      htu: url(),
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      ath: ath(token),
    }
    const control = raw.sign({}, claims)
    expect((await rawRequest(app.url, '/protected', dpopHeaders(token, control))).status).toBe(200)
    const crit = raw.sign({ crit: ['urn:x'], 'urn:x': 1 }, { ...claims, jti: randomUUID() })
    expect((await rawRequest(app.url, '/protected', dpopHeaders(token, crit))).status).toBe(401)
  })

  it('never answers b64: false with a 500', async () => {
    const raw = await rawSigner()
    const token = await issuer.sign({ cnf: { jkt: raw.thumbprint } })
    const claims = {
      htm: 'GET',
      htu: url(),
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      ath: ath(token),
    }
    const unencoded = raw.sign({ crit: ['b64'], b64: false }, claims)
    expect([200, 401]).toContain(
      (await rawRequest(app.url, '/protected', dpopHeaders(token, unencoded))).status,
    )
  })

  it('verifies with jwk only: kid, jku, x5u, x5c beside it change nothing', async () => {
    // Signed by the attacker, whose key is not in jwk; the other members point anywhere.
    const forged = await attacker.proof({
      url: url(),
      accessToken: bound,
      header: {
        jwk: victim.jwk,
        kid: 'victim',
        jku: 'http://127.0.0.1:1/jwks',
        x5u: 'http://127.0.0.1:1/x5u',
      },
    })
    expect((await send(forged)).status).toBe(401)
  })

  it('refuses jwk members that say it is not a verification key, and accepts unknown extra members', async () => {
    for (const extra of [{ use: 'enc' }, { key_ops: ['encrypt'] }, { alg: 'RS256' }]) {
      const proof = await victim.proof({
        url: url(),
        accessToken: bound,
        header: { jwk: { ...victim.jwk, ...extra } },
      })
      expect((await send(proof)).status).toBe(401)
    }
    // An upper-case "D" is no JWK member: the thumbprint is the same key's, so the proof is the victim's.
    const odd = await victim.proof({
      url: url(),
      accessToken: bound,
      header: { jwk: { ...victim.jwk, D: 'AAAA' } },
    })
    expect((await send(odd)).status).toBe(200)
  })

  it('refuses an EC point off the curve, an RSA key with a huge exponent, and Ed448, never with a 500', async () => {
    const offCurve = { ...victim.jwk, y: Buffer.alloc(32, 1).toString('base64url') }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rsaJwk = rsa.publicKey.export({ format: 'jwk' })
    const hugeE = { ...rsaJwk, e: Buffer.alloc(64, 0xff).toString('base64url') }
    const ed448 = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' })
    for (const jwk of [offCurve, hugeE, ed448]) {
      const proof = await victim.proof({ url: url(), accessToken: bound, header: { jwk } })
      expect((await send(proof)).status).toBe(401)
    }
  })

  it('refuses a proof whose jwk is a private key spelled with an upper-case kty trick or an oct key', async () => {
    for (const jwk of [
      { kty: 'oct', k: 'AAAA' },
      { ...victim.jwk, kty: 'ec' },
    ]) {
      const proof = await victim.proof({ url: url(), accessToken: bound, header: { jwk } })
      expect((await send(proof)).status).toBe(401)
    }
  })

  it('refuses jti that is not a short string', async () => {
    for (const jti of ['', 'x'.repeat(257)]) {
      const proof = await victim.proof({ url: url(), accessToken: bound, jti })
      expect((await send(proof)).status).toBe(401)
    }
    const numeric = await victim.proof({ url: url(), accessToken: bound, claims: { jti: 12 } })
    expect((await send(numeric)).status).toBe(401)
  })

  it('refuses ath computed over another spelling of the token (padding, base64 alphabet)', async () => {
    for (const spelling of [`${bound}=`, bound.replace(/-/g, '+').replace(/_/g, '/'), ` ${bound}`]) {
      const proof = await victim.proof({ url: url(), accessToken: bound, claims: { ath: ath(spelling) } })
      expect((await send(proof)).status).toBe(401)
    }
  })
})
