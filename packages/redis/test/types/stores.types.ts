// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): the stores of this package fit
// the core's interfaces, so they can be passed as `dpop.replayStore` and `revocation` with no cast. Each
// `@ts-expect-error` fails the build if the line after it compiles.
import { createVerifier, type ReplayStore as CoreReplayStore, type RevocationStore } from '@tokenguard/core'
import { jwtAuth } from '@tokenguard/express'
import {
  createRedisReplayStore,
  createRedisRevocationStore,
  type RedisClientLike,
  type RedisReplayStore,
  type RedisRevocationStore,
  type ReplayStore,
} from '@tokenguard/redis'

declare const client: RedisClientLike
const issuer = 'https://idp.example.com/'
const audience = 'api'

// The package's ReplayStore is the core's, both ways.
const fromPackage: CoreReplayStore = {} as ReplayStore
const fromCore: ReplayStore = {} as CoreReplayStore
void fromPackage
void fromCore

// The Redis stores are the core's stores.
const replayStore: CoreReplayStore = createRedisReplayStore({ client })
const redisReplay: RedisReplayStore = createRedisReplayStore({ client, prefix: 'app:dpop:' })
const revocation: RevocationStore = createRedisRevocationStore({ client })
const redisRevocation: RedisRevocationStore = createRedisRevocationStore({ client, staleWindow: 0 })
void replayStore

// Used as they are by the verifier and by an adapter.
createVerifier({ issuer, audience, revocation })
jwtAuth({
  issuer,
  audience,
  revocation: redisRevocation,
  publicOrigin: 'https://api.example.com',
  dpop: { replayStore: redisReplay },
})

// The Redis replay store always answers asynchronously (one round trip) and the revocation store
// synchronously (its local view).
const answer: Promise<boolean> = redisReplay.useOnce('id', 1000)
const verdict: boolean = redisRevocation.isRevoked({ jti: 'a', exp: 1 })
void answer
void verdict
// @ts-expect-error the Redis replay store never answers synchronously
const sync: boolean = redisReplay.useOnce('id', 1000)
void sync

// @ts-expect-error a client is required
createRedisReplayStore({})
// @ts-expect-error a client is required
createRedisRevocationStore({ prefix: 'app:' })
