import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { JWK } from 'jose'

/** One Wycheproof JOSE test: a compact JWS and the verdict the file expects. */
export interface WycheproofTest {
  tcId: number
  comment: string
  jws: string
  result: 'valid' | 'invalid'
  flags: string[]
}

/** A group of tests sharing one key (or key set). */
export interface WycheproofGroup {
  type: string
  comment: string
  public?: JWK | { keys: JWK[] }
  private?: JWK | { keys: JWK[] }
  tests: WycheproofTest[]
}

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'wycheproof')

/** Loads `json_web_signature_test.json` or `json_web_key_test.json` (copies of C2SP/wycheproof@dac1dd4). */
export function loadWycheproof(
  file: 'json_web_signature_test.json' | 'json_web_key_test.json',
): WycheproofGroup[] {
  const parsed = JSON.parse(readFileSync(join(VECTORS, file), 'utf8')) as { testGroups: WycheproofGroup[] }
  return parsed.testGroups
}

/** The keys of a group's `public` (or `private`) member as a list. */
export function keyList(value: JWK | { keys: JWK[] } | undefined): JWK[] {
  if (value === undefined) return []
  return 'keys' in value && Array.isArray(value.keys) ? value.keys : [value as JWK]
}

/** The decoded payload of a compact JWS, when it is a JSON object (a JWT claims set). */
export function isClaimsSet(jws: string): boolean {
  try {
    const value: unknown = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}
