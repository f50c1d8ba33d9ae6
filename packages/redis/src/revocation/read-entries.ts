import type { RevocationRule } from '@tokenguard/core'
import { send, type RedisClientLike } from '../client.js'
import { decodeRule, READ_SCRIPT, type RedisKeys } from './redis-entries.js'

const PAGE = 500

/**
 * Reads every live entry from Redis and hands each to `apply`; resolves with the revision counter read
 * first. ZSCAN returns every member present for the whole scan (never skipping one because another was
 * added or pruned, as offset paging could); an entry written during the scan may be missed, but its
 * pub/sub message is not, since the caller subscribed before reading.
 */
export async function readEntries(
  client: RedisClientLike,
  keys: RedisKeys,
  timeout: number,
  now: () => number,
  apply: (rule: RevocationRule) => void,
): Promise<number> {
  const revision = Number((await send(client, ['GET', keys.revision], timeout)) ?? 0)
  let cursor = '0'
  do {
    const command = ['ZSCAN', keys.index, cursor, 'COUNT', String(PAGE)]
    const reply = (await send(client, command, timeout)) as [unknown, unknown]
    if (!Array.isArray(reply) || !Array.isArray(reply[1])) throw new TypeError('ZSCAN answered no page')
    cursor = String(reply[0])
    const page = reply[1] as unknown[]
    const ids: string[] = []
    const nowMs = now()
    for (let i = 0; i + 1 < page.length; i += 2) if (Number(page[i + 1]) > nowMs) ids.push(String(page[i]))
    if (ids.length === 0) continue
    const script = ['EVAL', READ_SCRIPT, String(ids.length), ...ids.map(keys.entry)]
    const entries = (await send(client, script, timeout)) as unknown[]
    for (const entry of entries) {
      // Expired (or pruned) between ZSCAN and the read: nothing left to enforce.
      if (!Array.isArray(entry) || entry[0] === null || entry[0] === undefined) continue
      apply(decodeRule(entry[0], entry[1], entry[2]))
    }
  } while (cursor !== '0')
  return Number.isSafeInteger(revision) ? revision : 0
}
