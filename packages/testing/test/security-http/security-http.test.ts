import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import type { Agent } from 'node:http'
import { FRAMEWORK_APPS, type FrameworkApp, type RunningApp } from '../support/framework-apps.js'
import { keepAliveAgent, sendRaw } from '../support/raw-http.js'
import { closeFixture, createFixture, good, PROFILES, type Fixture, type Profile } from './fixture.js'
import { expectAnswer, expectNoEcho, tokensIn } from './response-checks.js'
import { ROWS } from './rows.js'
import { TRANSPORT_ROWS } from './rows-transport.js'

/**
 * The attack catalog over HTTP: one table (rows.ts: sections A–F; rows-transport.ts: section G) sent to
 * every supported framework major through its adapter, each app in production mode with the framework's
 * default error handler. Every row asserts the status, the exact `WWW-Authenticate` (one line: the RFC
 * 6750 §3 Bearer challenge, then the RFC 9449 DPoP one, each attribute at most once, only allowed
 * characters), no token or attacker text in the body or any header, no stack trace, and whether claims
 * reached the request object (item 66).
 *
 * Unhandled rejections: Jest 30 owns the process's `unhandledRejection` listeners (a listener installed in
 * a test file sits on the sandbox's copy of `process` and is never called) and reports any unhandled
 * rejection as a failure of the run — checked by hand: a stray `Promise.reject()` fails this file even
 * inside `it.failing`. So every row doubles as a no-crash check, and the last test of each framework
 * shows its apps still serve.
 */

const ALL_ROWS = [...ROWS, ...TRANSPORT_ROWS]

let fixture: Fixture
const logged: unknown[] = []
beforeAll(async () => {
  // Express logs every error it renders, Koa its 5xx: keep the lines, to search them for tokens.
  jest.spyOn(console, 'error').mockImplementation((...args) => void logged.push(...args))
  fixture = await createFixture()
})
afterAll(async () => {
  await closeFixture(fixture)
  jest.restoreAllMocks()
})

function describeFramework(framework: string, createApp: FrameworkApp): void {
  describe(framework, () => {
    const apps = new Map<Profile, RunningApp>()
    const seen = new Map<string, unknown>()
    const sent: string[] = []
    let agent: Agent

    beforeAll(async () => {
      agent = keepAliveAgent()
      const observe = (id: string, auth: unknown) => void seen.set(id, auth)
      for (const [profile, options] of Object.entries(PROFILES))
        apps.set(profile as Profile, await createApp(options(fixture), { observe }))
    })
    afterAll(async () => {
      agent.destroy()
      await Promise.all([...apps.values()].map((app) => app.close()))
    })

    async function observed(id: string): Promise<unknown> {
      for (let i = 0; i < 100 && !seen.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 5))
      expect(seen.has(id)).toBe(true)
      return seen.get(id)
    }

    it.each(ALL_ROWS)('[$item] $name', async (row) => {
      const req = await row.request(fixture)
      const id = randomUUID()
      const headers: Array<[string, string]> = [...(req.headers ?? []), ['x-test-id', id]]
      const tokens = tokensIn([...headers.map(([, value]) => value), req.path ?? ''])
      sent.push(...tokens)
      const app = apps.get(row.profile ?? 'static') as RunningApp
      const res = await sendRaw(app.url, { ...req, headers }, agent)

      expectAnswer(res, row.status, row.challenge)
      expectNoEcho(res, tokens, row.forbidden)
      if (row.body) row.body(JSON.parse(res.body) as Parameters<NonNullable<typeof row.body>>[0])
      if (row.status !== 431) {
        const attached = row.attached ?? (row.status === 200 || row.status === 403)
        const auth = await observed(id)
        expect(auth !== undefined && auth !== null).toBe(attached)
      }
    })

    it('no header-supplied key URL was ever contacted, and the apps still serve', async () => {
      expect(fixture.listener.connections()).toBe(0)
      const valid = await sendRaw(
        (apps.get('static') as RunningApp).url,
        { headers: [['authorization', `Bearer ${await good(fixture)}`]] },
        agent,
      )
      expect(valid.status).toBe(200)
    })

    it('never logs token text', () => {
      const log = logged
        .map((entry) => (entry instanceof Error ? `${entry.stack} ${String(entry.cause)}` : String(entry)))
        .join('\n')
      expect(sent.length).toBeGreaterThan(40)
      for (const token of sent) expect(log).not.toContain(token)
    })
  })
}

for (const [framework, createApp] of Object.entries(FRAMEWORK_APPS)) describeFramework(framework, createApp)
