import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createDpopClient, createTestIssuer, type DpopClient, type TestIssuer } from '@tokenguard/testing'
import { call, status, statusesWithin, type Credentials, type Instance } from './support/fleet-requests.js'
import { redisServerAvailable, startRedisServer, type RedisServer } from './support/redis-server.js'

/**
 * A fleet: one Express, one Koa and one Fastify process (support/api-server.mjs, on the built packages),
 * sharing one redis-server through @tokenguard/redis for revocations and DPoP proofs, behind no load
 * balancer: the test talks to each. They share one `publicOrigin`, as instances behind one load balancer
 * do, so a proof is valid on every instance and only the shared replay store stops its second use.
 */
const describeRedis = redisServerAvailable() ? describe : describe.skip
const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '../../..')
const FRAMEWORKS = ['express', 'koa', 'fastify'] as const
const STALE_WINDOW_MS = 5_000
const PUBLIC_ORIGIN = 'https://api.example.test'
const PAIRS = FRAMEWORKS.flatMap((from) => FRAMEWORKS.filter((to) => to !== from).map((to) => [from, to]))

describeRedis('a fleet of Express, Koa and Fastify processes sharing one Redis', () => {
  let server: RedisServer
  let issuer: TestIssuer
  let dpopClient: DpopClient
  let boundToken: string
  const instances: Instance[] = []
  const named = (framework: string) =>
    instances.find((instance) => instance.framework === framework) as Instance
  const env = () => ({
    ...process.env,
    NODE_OPTIONS: '', // not Jest's --experimental-vm-modules
    NODE_ENV: 'test',
    REDIS_SOCKET: server.socket,
    ISSUER: issuer.url,
    AUDIENCE: issuer.audience as string,
    PREFIX: 'fleet:',
    REPLAY_PREFIX: 'fleet-dpop:',
    STALE_WINDOW: String(STALE_WINDOW_MS),
    PUBLIC_ORIGIN,
  })
  /** A DPoP request's credentials: the bound token with a fresh proof, valid on every instance. */
  const dpop = async (token = boundToken): Promise<Credentials> => ({
    token,
    proof: await dpopClient.proof({ url: `${PUBLIC_ORIGIN}/protected`, accessToken: token }),
  })

  async function launch(framework: string): Promise<Instance> {
    const child = fork(join(HERE, 'support/api-server.mjs'), [], {
      env: { ...env(), FRAMEWORK: framework },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { port: number }).port))
      child.once('exit', (code) => reject(new Error(`the ${framework} instance exited (${code})`)))
    })
    const instance = { framework, url: `http://127.0.0.1:${port}`, child }
    instances.push(instance)
    return instance
  }

  beforeAll(async () => {
    for (const name of ['core', 'express', 'koa', 'fastify', 'redis'])
      if (!existsSync(join(ROOT, `packages/${name}/dist/index.js`)))
        throw new Error(`packages/${name}/dist is missing: run \`npx tsc --build\` first (npm test does)`)
    server = await startRedisServer()
    issuer = await createTestIssuer()
    dpopClient = await createDpopClient()
    boundToken = await issuer.sign({ cnf: { jkt: dpopClient.thumbprint } })
    await Promise.all(FRAMEWORKS.map(launch))
    // Warm-up, not measured: the keys fetched and every code path of a revocation run once in each
    // process, so that the 100 ms bound below is about a running fleet, not about cold JIT and JWKS.
    for (const instance of instances) {
      const token = await issuer.sign()
      await statusesWithin(10_000, instances, token, 200)
      await status(instance, token, 'POST', '/logout')
      expect(await statusesWithin(10_000, instances, token, 401)).toEqual([401, 401, 401])
    }
  })
  afterAll(async () => {
    await Promise.all(
      instances.map(({ child }) => {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill()
        return exited
      }),
    )
    await issuer?.close()
    await server?.stop()
  })

  for (const via of FRAMEWORKS) {
    it(`a token revoked through ${via} is refused by the others within 100 ms`, async () => {
      const token = await issuer.sign()
      const [revoker, ...others] = [named(via), ...instances.filter((instance) => instance.framework !== via)]
      expect(await Promise.all(instances.map((instance) => status(instance, token)))).toEqual([200, 200, 200])
      expect(await status(revoker as Instance, token, 'POST', '/logout')).toBe(204)
      expect(await statusesWithin(100, others, token, 401)).toEqual([401, 401])
      expect(await status(revoker as Instance, token)).toBe(401)
    })
  }

  for (const [from, to] of PAIRS) {
    it(`a DPoP proof accepted by ${from} and replayed to ${to} is refused`, async () => {
      const credentials = await dpop()
      expect(await call(named(from as string), credentials)).toMatchObject({ status: 200 })
      const replay = await call(named(to as string), credentials)
      expect(replay).toMatchObject({ status: 401, code: 'dpop_proof_invalid' })
      expect(replay.headers.get('www-authenticate')).toMatch(/DPoP .*error="invalid_dpop_proof"/)
      // The proof is refused, not the token: with a fresh proof it passes there.
      expect((await call(named(to as string), await dpop())).status).toBe(200)
    })
  }

  it('one DPoP proof sent to every instance at once is accepted exactly once', async () => {
    const credentials = await dpop()
    const copies = [...instances, ...instances, ...instances]
    const answers = await Promise.all(copies.map((instance) => call(instance, credentials)))
    const statuses = answers.map((answer) => answer.status).sort()
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401, 401, 401, 401])
    for (const answer of answers.filter((each) => each.status === 401))
      expect(answer.code).toBe('dpop_proof_invalid')
  })

  it('Redis killed: DPoP fails closed at once, Bearer has the stale window, then 503; nothing is lost', async () => {
    const revoked = await issuer.sign()
    const valid = await issuer.sign()
    const express = named('express')
    expect(await status(express, revoked, 'POST', '/logout')).toBe(204)
    expect(await statusesWithin(100, instances, revoked, 401)).toEqual([401, 401, 401])
    const usedBeforeKill = await dpop()
    expect((await call(express, usedBeforeKill)).status).toBe(200)
    const duringOutage = await Promise.all(instances.map(() => dpop())) // made now: the window is short

    await server.kill()
    // Within the window: the local view still refuses the revoked token and lets the valid one in, while
    // a DPoP request is refused with a 503 at once: the replay check fails closed, never open.
    const [revokedAnswers, validAnswers, dpopAnswers] = await Promise.all([
      Promise.all(instances.map((instance) => status(instance, revoked))),
      Promise.all(instances.map((instance) => status(instance, valid))),
      Promise.all(instances.map((instance, n) => call(instance, duringOutage[n] as Credentials))),
    ])
    expect(revokedAnswers).toEqual([401, 401, 401])
    expect(validAnswers).toEqual([200, 200, 200])
    for (const answer of dpopAnswers) {
      expect(answer).toMatchObject({ status: 503, code: 'replay_store_unavailable' })
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(answer.headers.get('www-authenticate')).toBeNull()
    }
    // Past it: 503 revocation_unavailable everywhere, never a pass.
    expect(await statusesWithin(STALE_WINDOW_MS + 8_000, instances, valid, 503)).toEqual([503, 503, 503])
    for (const instance of instances) {
      expect(await call(instance, { token: revoked })).toMatchObject({
        status: 503,
        code: 'revocation_unavailable',
      })
      expect((await call(instance, await dpop())).status).toBe(503)
    }

    await server.restart()
    expect(await statusesWithin(10_000, instances, valid, 200)).toEqual([200, 200, 200])
    expect(await statusesWithin(10_000, instances, () => dpop(), 200)).toEqual([200, 200, 200])
    expect(await Promise.all(instances.map((instance) => status(instance, revoked)))).toEqual([401, 401, 401])
    // A new instance knows only what Redis kept through the restart (the AOF): the revocation, and the
    // proof used before the kill, which no instance accepts again.
    const late = await launch('koa')
    expect(await status(late, revoked)).toBe(401)
    expect(await status(late, valid)).toBe(200)
    for (const instance of instances)
      expect(await call(instance, usedBeforeKill)).toMatchObject({ status: 401, code: 'dpop_proof_invalid' })
    expect((await call(late, await dpop())).status).toBe(200)
  })
})
