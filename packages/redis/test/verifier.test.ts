import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier, type AuthError } from '@tokenguard/core'
import { createTestIssuer, type TestIssuer } from '@tokenguard/testing'
import { createRedisRevocationStore, type RedisClientLike } from '../src/index.js'
import { closeQuietly, eventually, nodeRedis } from './support/clients.js'
import { redisServerAvailable, startRedisServer, type RedisServer } from './support/redis-server.js'

const describeRedis = redisServerAvailable() ? describe : describe.skip

async function codeOf(promise: Promise<unknown>): Promise<[string, number]> {
  const error = (await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )) as AuthError | undefined
  return [error?.code ?? 'accepted', error?.status ?? 200]
}

/** The store as the core's verifier sees it: its verdicts become the core's stable codes. */
describeRedis('the Redis revocation store behind createVerifier', () => {
  let server: RedisServer
  let issuer: TestIssuer
  const clients: RedisClientLike[] = []

  beforeAll(async () => {
    ;[server, issuer] = await Promise.all([startRedisServer(), createTestIssuer()])
  })
  afterAll(async () => {
    await Promise.all(clients.map(closeQuietly))
    await issuer?.close()
    await server?.stop()
  })

  it('revoked on one instance: token_revoked (401) on the other, cached token included; Redis lost: 503', async () => {
    const stores = []
    for (let i = 0; i < 2; i++) {
      const client = await nodeRedis(server.socket)
      clients.push(client)
      stores.push(
        createRedisRevocationStore({ client, prefix: 'verifier:', staleWindow: 0, onError: () => {} }),
      )
    }
    const [writer, reader] = stores as [
      ReturnType<typeof createRedisRevocationStore>,
      ReturnType<typeof createRedisRevocationStore>,
    ]
    await Promise.all([writer.ready(), reader.ready()])
    const verifier = createVerifier({ issuer: issuer.url, audience: issuer.audience, revocation: reader })
    const token = await issuer.sign()
    const other = await issuer.sign()
    const { payload } = await verifier.verify(token) // now in the verified-token cache
    expect(await codeOf(verifier.verify(other))).toEqual(['accepted', 200])

    await writer.revoke({
      jti: payload.jti as string,
      exp: payload.exp as number,
      iss: payload.iss as string,
    })
    await eventually(() => reader.isRevoked(payload))
    expect(await codeOf(verifier.verify(token))).toEqual(['token_revoked', 401])
    expect(await codeOf(verifier.verify(other))).toEqual(['accepted', 200])

    await server.kill()
    await eventually(() => reader.status === 'unavailable')
    expect(await codeOf(verifier.verify(other))).toEqual(['revocation_unavailable', 503])
    await server.restart()
    await eventually(() => reader.status === 'live')
    expect(await codeOf(verifier.verify(other))).toEqual(['accepted', 200])
    expect(await codeOf(verifier.verify(token))).toEqual(['token_revoked', 401])
    await Promise.all(stores.map((store) => store.close()))
  })
})
