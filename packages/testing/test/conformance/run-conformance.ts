import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { createTestIssuer } from '../../src/index.js'
import type { ConformanceAppFactory, ConformanceServer } from './app-contract.js'
import {
  ANY,
  DPOP_ONLY,
  parseChallenges,
  PROFILES,
  ROWS,
  type Issuers,
  type Profile,
  type Request,
} from './table.js'
import { DPOP_PROFILES, DPOP_ROWS } from './dpop-rows.js'

/** Signs of a stack trace or of internals in a response body. */
const STACK = /\n\s+at |node_modules|\.[jt]s:\d+/

function send(url: string, req: Request) {
  const path = `${req.path ?? '/protected'}${req.query ? `?${req.query}` : ''}`
  const agent = request(url)
  let test =
    req.method === 'OPTIONS'
      ? agent.options(path)
      : req.method === 'POST'
        ? agent.post(path)
        : req.method === 'PUT'
          ? agent.put(path)
          : agent.get(path)
  // An array value goes out as separate header lines (checked below), which is how the server sees two headers.
  for (const [name, value] of Object.entries(req.headers ?? {})) test = test.set(name, value as string)
  if (req.form !== undefined) test = test.type('form').send(req.form)
  if (req.json !== undefined) test = test.send(req.json)
  return test
}

function tokensOf(req: Request): string[] {
  const values = [
    ...Object.values(req.headers ?? {}).flat(),
    req.query ?? '',
    req.form ?? '',
    JSON.stringify(req.json ?? {}),
  ]
  return values.flatMap((value) => value.match(/[\w-]+\.[\w-]+\.[\w-]*/g) ?? [])
}

/**
 * Runs the conformance table against one framework: one app per option profile, each trusting a real
 * loopback issuer. Also checks that neither response bodies nor the framework's error log hold a token.
 */
export function describeConformance(framework: string, createApp: ConformanceAppFactory): void {
  describe(`conformance: ${framework}`, () => {
    const issuers = {} as Issuers
    const apps = new Map<Profile, ConformanceServer>()
    const sentTokens: string[] = []
    const logged: unknown[] = []

    beforeAll(async () => {
      // Frameworks in production mode log server errors (the 503); keep them, to search them for tokens.
      jest.spyOn(console, 'error').mockImplementation((...args) => void logged.push(...args))
      ;[issuers.trusted, issuers.other, issuers.down] = await Promise.all([
        createTestIssuer(),
        createTestIssuer(),
        createTestIssuer(),
      ])
      await issuers.down.close()
      for (const [profile, options] of Object.entries({ ...PROFILES, ...DPOP_PROFILES }))
        apps.set(profile as Profile, await createApp(options(issuers)))
    })

    afterAll(async () => {
      await Promise.all([...apps.values()].map((app) => app.close()))
      await Promise.all([issuers.trusted.close(), issuers.other.close()])
      jest.restoreAllMocks()
    })

    it.each([...ROWS, ...DPOP_ROWS])('$name', async (row) => {
      const app = apps.get(row.profile ?? 'default') as ConformanceServer
      const req = await row.request(issuers, app.url)
      sentTokens.push(...tokensOf(req))
      const res = await send(app.url, req)

      expect(res.status).toBe(row.status)
      const challenge = res.headers['www-authenticate']
      if (row.challenge === null) {
        expect(challenge).toBeUndefined()
      } else {
        const expected = Object.fromEntries(
          Object.entries(row.challenge).map(([name, value]) => [
            name,
            value === ANY ? expect.stringMatching(/./) : value,
          ]),
        )
        const challenges = parseChallenges(challenge as string)
        if (row.challenge !== DPOP_ONLY) expect(challenges.Bearer).toEqual(expected)
        else expect(challenges.Bearer).toBeUndefined()
        // `null` (no DPoP challenge at all) is an expectation too, not a request for the default.
        const dpop =
          row.dpopChallenge !== undefined
            ? row.dpopChallenge
            : { ...(row.challenge.realm === undefined ? {} : { realm: row.challenge.realm }), algs: ANY }
        expect(challenges.DPoP).toEqual(
          dpop === null
            ? undefined
            : Object.fromEntries(
                Object.entries(dpop).map(([n, v]) => [n, v === ANY ? expect.stringMatching(/./) : v]),
              ),
        )
      }
      if (res.status === 503) expect(res.headers['retry-after']).toMatch(/^\d+$/)
      for (const [name, value] of Object.entries(row.headers ?? {}))
        if (value === null) expect(res.headers[name]).toBeUndefined()
        else expect(res.headers[name]).toMatch(value)
      for (const token of tokensOf(req)) expect(res.text).not.toContain(token)
      expect(res.text ?? '').not.toMatch(STACK)
      row.body?.(res.body)
    })

    it('never logs token text', () => {
      const log = logged
        .map((entry) => (entry instanceof Error ? `${entry.stack} ${String(entry.cause)}` : String(entry)))
        .join('\n')
      expect(sentTokens.length).toBeGreaterThan(10)
      for (const token of sentTokens) expect(log).not.toContain(token)
    })
  })
}

/** Checks the client really sends an array header as two header lines, so the duplicate-header row means something. */
export function describeClientSelfCheck(): void {
  it('supertest sends an array header as separate lines', async () => {
    const server = createServer((req, res) => res.end(JSON.stringify(req.rawHeaders)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const res = await send(url, { headers: { authorization: ['Bearer a', 'Bearer b'] } })
      const raw = JSON.parse(res.text) as string[]
      expect(raw.filter((name) => name.toLowerCase() === 'authorization')).toHaveLength(2)
    } finally {
      server.close()
    }
  })
}
