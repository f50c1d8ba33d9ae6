import { createHash } from 'node:crypto'
import { MAX_IDENTIFIER_LENGTH, type RevocationRule } from '@tokenguard/core'

/**
 * How revocation entries are laid out in Redis, under a prefix (default `tokenguard:revocation:`):
 *
 * | key                       | type       | holds                                                          |
 * | ------------------------- | ---------- | -------------------------------------------------------------- |
 * | `<prefix>entry:<id>`      | hash       | `rule` (JSON `[kind, key, iss]`), `before`, `expires` (ms); PEXPIREAT `expires` |
 * | `<prefix>index`           | sorted set | every entry id, scored by its expiry: what a re-read walks      |
 * | `<prefix>revision`        | string     | a counter raised by every write: lets an instance see a gap     |
 * | `<prefix>events` (channel)| pub/sub    | `<revision>\n<before>\n<expires>\n<rule JSON>`, per write       |
 *
 * `<id>` is the base64url SHA-256 of the rule JSON: nothing a token says is in a key name.
 */

export interface RedisKeys {
  index: string
  revision: string
  channel: string
  entry(id: string): string
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    index: `${prefix}index`,
    revision: `${prefix}revision`,
    channel: `${prefix}events`,
    entry: (id) => `${prefix}entry:${id}`,
  }
}

/** The parts of a rule that never change once written, as JSON (escapes keep odd strings lossless). */
export function ruleIdentity(rule: RevocationRule): string {
  return JSON.stringify([rule.kind, rule.key, rule.iss])
}

export function entryId(identity: string): string {
  return createHash('sha256').update(identity).digest('base64url')
}

/**
 * Writes one entry atomically: merges with what is stored (never a lower `before` nor an earlier expiry),
 * refuses a new entry when the index holds `maxEntries` live ones (nil reply), sets the expiry, indexes it,
 * raises the revision and publishes the merged entry. Commands of Redis 4.0 and earlier only.
 *
 * KEYS: entry, index, revision. ARGV: id, identity, before, expires, now (ms), maxEntries, channel.
 */
export const WRITE_SCRIPT = `
local stored = redis.call('HMGET', KEYS[1], 'before', 'expires')
local before, expires = ARGV[3], ARGV[4]
if stored[2] then
  if tonumber(stored[1]) > tonumber(before) then before = stored[1] end
  if tonumber(stored[2]) > tonumber(expires) then expires = stored[2] end
else
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then return false end
end
redis.call('HSET', KEYS[1], 'rule', ARGV[2], 'before', before, 'expires', expires)
redis.call('PEXPIREAT', KEYS[1], expires)
redis.call('ZADD', KEYS[2], expires, ARGV[1])
local revision = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[7], revision .. '\\n' .. before .. '\\n' .. expires .. '\\n' .. ARGV[2])
return revision
`

/** Reads the entries whose keys are KEYS, each as `[rule, before, expires]` (nils for a vanished one). */
export const READ_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('HMGET', key, 'rule', 'before', 'expires') end
return out
`

/** Longest pub/sub message accepted: two escaped identifiers of the longest length, and room to spare. */
export const MAX_MESSAGE_LENGTH = 16 * MAX_IDENTIFIER_LENGTH

function identifier(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_IDENTIFIER_LENGTH
}

/** Rebuilds a rule from what Redis holds; throws on anything this package would not have written. */
export function decodeRule(identity: unknown, before: unknown, expires: unknown): RevocationRule {
  if (typeof identity !== 'string' || identity.length > MAX_MESSAGE_LENGTH)
    throw new TypeError('a revocation entry in Redis has no readable rule')
  const parsed: unknown = JSON.parse(identity)
  const beforeNumber = Number(before)
  const expiresAtMs = Number(expires)
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    (parsed[0] !== 'jti' && parsed[0] !== 'sub') ||
    !identifier(parsed[1]) ||
    !(parsed[2] === null || identifier(parsed[2])) ||
    typeof before !== 'string' ||
    !Number.isFinite(beforeNumber) ||
    typeof expires !== 'string' ||
    !Number.isFinite(expiresAtMs)
  )
    throw new TypeError('a revocation entry in Redis is malformed')
  return { kind: parsed[0], key: parsed[1], iss: parsed[2], before: beforeNumber, expiresAtMs }
}

/** A pub/sub message: the revision it made and the merged entry. Throws when malformed. */
export function decodeMessage(message: string): { revision: number; rule: RevocationRule } {
  if (typeof message !== 'string' || message.length > MAX_MESSAGE_LENGTH)
    throw new TypeError('a revocation message is not a string of a bounded length')
  const [revision, before, expires] = message.split('\n', 3)
  const identity = message.slice(`${revision}\n${before}\n${expires}\n`.length)
  const revisionNumber = Number(revision)
  if (!Number.isSafeInteger(revisionNumber) || revisionNumber < 1)
    throw new TypeError('a revocation message has no revision')
  return { revision: revisionNumber, rule: decodeRule(identity, before, expires) }
}
