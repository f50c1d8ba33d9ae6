import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import request from 'supertest'
import { createApp } from '../../../../examples/observability/src/app.js'

/**
 * HOLE (target 5, fetch floods): `verifier.ready()` fetches whenever the keys are not fresh, ignoring the
 * retry delay every other path honours ("A failed JWK Set or discovery fetch is not retried for 5 s …; until
 * then a request that would wait for it gets 503 at once, without a new request"; `RemoteKeySet.ready()` calls
 * `reload('ready')` without `mayRetry`, and discovery re-reads the metadata on every call until a jwks_uri is
 * known). The shipped observability example exposes it unauthenticated: `GET /ready` is declared before
 * `jwtAuth`, as a readiness probe must be. While the identity provider fails (an outage, a wrong issuer), every
 * anonymous `GET /ready` makes the API send the provider two discovery requests (OIDC and RFC 8414 paths),
 * back to back with no limit: an unauthenticated client turns the API into a request amplifier against its
 * own identity provider, and prolongs the outage.
 *
 * Expected: `ready()` shares the retry delay (answer the last failure while it is not due), so 30 probes in
 * a second cost at most one discovery round, as 30 verifications do.
 */

let idp: Server
let idpUrl: string
let hits = 0
beforeAll(async () => {
  idp = createServer((_req, res) => {
    hits++
    res.writeHead(500, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve))
  idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/`
})
afterAll(async () => {
  idp.closeAllConnections()
  await new Promise((resolve) => idp.close(resolve))
})

describe('a failing identity provider', () => {
  it('control: 30 verifications within the retry delay cost one discovery round (holds)', async () => {
    const verifier = createVerifier({ issuer: idpUrl, audience: 'https://api.test' })
    hits = 0
    const token = `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from(`{"iss":"${idpUrl}"}`).toString('base64url')}.AA`
    for (let i = 0; i < 30; i++)
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(hits).toBe(2) // the OIDC path, then RFC 8414's
  })

  it('bare verifier: 30 ready() calls within the retry delay cost at most one discovery round', async () => {
    const verifier = createVerifier({ issuer: idpUrl, audience: 'https://api.test' })
    hits = 0
    for (let i = 0; i < 30; i++) await expect(verifier.ready()).rejects.toThrow(/not ready/)
    expect(hits).toBeLessThanOrEqual(2) // got 60
  })

  it('observability example: 30 anonymous GET /ready cost at most one discovery round', async () => {
    const app = createApp({ issuer: idpUrl, audience: 'https://api.test' }, new Registry())
    hits = 0
    for (let i = 0; i < 30; i++) await request(app).get('/ready').expect(503)
    expect(hits).toBeLessThanOrEqual(2) // got 60
  })
})
