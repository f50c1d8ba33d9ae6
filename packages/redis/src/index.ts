export { RedisUnavailableError } from './client.js'
export type { RedisClientLike } from './client.js'
export { fromIoredis } from './from-ioredis.js'
export type { IoredisLike } from './from-ioredis.js'
export { createRedisReplayStore } from './replay-store.js'
export type { RedisReplayStore, RedisReplayStoreOptions, ReplayStore } from './replay-store.js'
export { createRedisRevocationStore } from './revocation/redis-revocation-store.js'
export type {
  RedisRevocationStatus,
  RedisRevocationStore,
  RedisRevocationStoreOptions,
} from './revocation/store-options.js'
