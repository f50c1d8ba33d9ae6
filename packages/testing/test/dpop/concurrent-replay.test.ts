import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createDpopClient, createTestIssuer, type DpopClient, type TestIssuer } from '../../src/index.js'
import { parseChallenges } from '../conformance/table.js'
import { FRAMEWORK_APPS, type RunningApp } from '../support/framework-apps.js'

/**
 * RFC 9449 §11.1: a captured proof is usable once. Ten copies of one proof sent at the same moment, on
 * every framework: exactly one is accepted, and its request carries the binding; the other nine are
 * refused as replays. Ten fresh proofs at once all pass, so the nine refusals are about the replay.
 */

const COPIES = 10
let issuer: TestIssuer
let client: DpopClient

beforeAll(async () => {
  // The frameworks log the errors they render.
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  ;[issuer, client] = await Promise.all([createTestIssuer(), createDpopClient()])
})
afterAll(async () => {
  await issuer.close()
  jest.restoreAllMocks()
})

describe.each(Object.entries(FRAMEWORK_APPS))('%s', (_framework, createApp) => {
  let app: RunningApp
  const observed = new Map<string, unknown>()
  beforeAll(async () => {
    app = await createApp(
      { issuer: issuer.url, audience: issuer.audience },
      { observe: (id, auth) => observed.set(id, auth) },
    )
  })
  afterAll(() => app.close())

  const send = (token: string, proof: string, id: string) =>
    fetch(`${app.url}/protected`, {
      headers: { authorization: `DPoP ${token}`, dpop: proof, 'x-test-id': id },
    })

  it(`${COPIES} copies of one proof at once → exactly one 200, with the binding`, async () => {
    const token = await issuer.sign({ cnf: { jkt: client.thumbprint } })
    const proof = await client.proof({ url: `${app.url}/protected`, accessToken: token })
    const ids = Array.from({ length: COPIES }, (_, n) => `copy-${n}`)
    const responses = await Promise.all(ids.map((id) => send(token, proof, id)))

    const accepted = ids.filter((_, n) => responses[n]?.status === 200)
    expect(accepted).toHaveLength(1)
    for (const res of responses.filter((r) => r.status !== 200)) {
      expect(res.status).toBe(401)
      const challenges = parseChallenges(res.headers.get('www-authenticate') ?? '')
      expect(challenges.DPoP?.error).toBe('invalid_dpop_proof')
    }
    // The auth object the framework's request held once the accepted response was finished.
    // (Fastify's onResponse hook may run just after the client has the response.)
    while (!ids.every((id) => observed.has(id))) await new Promise((resolve) => setImmediate(resolve))
    expect(observed.get(accepted[0] as string)).toMatchObject({
      binding: { method: 'dpop', thumbprint: client.thumbprint },
      token,
    })
    for (const id of ids.filter((id) => id !== accepted[0])) expect(observed.get(id) ?? null).toBeNull()
  })

  it(`${COPIES} fresh proofs at once → ${COPIES} × 200`, async () => {
    const token = await issuer.sign({ cnf: { jkt: client.thumbprint } })
    const proofs = await Promise.all(
      Array.from({ length: COPIES }, () => client.proof({ url: `${app.url}/protected`, accessToken: token })),
    )
    const responses = await Promise.all(proofs.map((proof, n) => send(token, proof, `fresh-${n}`)))
    expect(responses.map((res) => res.status)).toEqual(Array(COPIES).fill(200))
  })
})
