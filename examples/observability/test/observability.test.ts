import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import request from 'supertest'
import { createApp } from '../src/app.js'
import { observeTokenguard } from '../src/observe.js'

let issuer: TestIssuer
let other: TestIssuer
const lines: Record<string, unknown>[] = []
const registry = new Registry()
let stop: () => void

beforeAll(async () => {
  ;[issuer, other] = await Promise.all([createTestIssuer(), createTestIssuer()])
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  stop = observeTokenguard({ registry, logger: pino({ level: 'debug' }, sink) })
})
afterAll(async () => {
  stop()
  await Promise.all([issuer.close(), other.close()])
})

const metric = async (name: string, labels: string) => {
  const text = await registry.metrics()
  const line = text.split('\n').find((row) => row.startsWith(`${name}{${labels}}`))
  return line === undefined ? 0 : Number(line.split(' ').pop())
}

describe('observability example', () => {
  it('/ready loads the keys now: 204, and the JWK Set fetch is counted and logged', async () => {
    const app = createApp({ issuer: issuer.url, audience: issuer.audience }, registry)
    await request(app).get('/ready').expect(204)
    expect(await metric('tokenguard_jwks_fetches_total', 'trigger="ready",outcome="ok"')).toBe(1)
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'JWK Set fetched', trigger: 'ready', keyCount: 1 }),
    )
  })

  it('/ready answers 503 (and the process lives on) when the issuer is down', async () => {
    const down = await createTestIssuer()
    await down.close()
    const app = createApp({ issuer: down.url, audience: down.audience, jwks: { timeout: 2000 } }, registry)
    await request(app).get('/ready').expect(503)
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'discovery failed', issuer: down.url }))
  })

  it('counts verifications by outcome and logs each refusal with its code and reason, never the token', async () => {
    const app = createApp({ issuer: issuer.url, audience: issuer.audience }, registry)
    const good = await issuer.sign({ scope: 'read:items' })
    const wrongAudience = await issuer.sign({ aud: 'https://other.example', scope: 'read:items' })
    const foreign = await other.sign({ aud: issuer.audience })
    await request(app).get('/items').set('Authorization', `Bearer ${good}`).expect(200)
    await request(app).get('/items').set('Authorization', `Bearer ${good}`).expect(200)
    const refused = await request(app)
      .get('/items')
      .set('Authorization', `Bearer ${wrongAudience}`)
      .expect(401)
    await request(app).get('/items').set('Authorization', `Bearer ${foreign}`).expect(401)

    expect(await metric('tokenguard_verifications_total', 'outcome="ok",cached="false"')).toBe(1)
    expect(await metric('tokenguard_verifications_total', 'outcome="ok",cached="true"')).toBe(1)
    expect(await metric('tokenguard_verifications_total', 'outcome="claim_invalid",cached="false"')).toBe(2)

    const refusals = lines.filter((line) => line.msg === 'token refused')
    expect(refusals).toEqual([
      expect.objectContaining({ code: 'claim_invalid', reason: expect.objectContaining({ check: 'aud' }) }),
      expect.objectContaining({ code: 'claim_invalid', reason: expect.objectContaining({ check: 'iss' }) }),
    ])
    // The client saw only the generic answer.
    expect(refused.body).toEqual({ error: 'claim_invalid' })
    expect(refused.text).not.toContain('other.example')
    const log = JSON.stringify(lines)
    for (const token of [good, wrongAudience, foreign]) expect(log).not.toContain(token.split('.')[2])
  })

  it('exposes everything in the Prometheus text format', async () => {
    const app = createApp({ issuer: issuer.url, audience: issuer.audience }, registry)
    const res = await request(app).get('/metrics').expect(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.text).toMatch(/^# TYPE tokenguard_verifications_total counter$/m)
    expect(res.text).toMatch(/^# TYPE tokenguard_jwks_fetch_duration_seconds histogram$/m)
  })
})
