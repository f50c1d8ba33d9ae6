import { unusableKeyReason } from '@tokenguard/core'
import { display } from './text.js'

/** The core's default `jwks.maxKeys`: keys past it are skipped. */
export const MAX_KEYS = 100

export interface KeyReport {
  kid: string
  kty: string
  alg: string
  use: string
  /** RSA modulus bits, or the curve. */
  size: string
  usable: boolean
  /** Why the core skips it (its own rule, `unusableKeyReason`). */
  skipped?: string
}

function modulusBits(n: unknown): string {
  if (typeof n !== 'string') return '?'
  const bytes = Buffer.from(n, 'base64url')
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return '0 bits'
  return `${(bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] as number))} bits`
}

function field(key: Record<string, unknown>, name: string): string {
  return key[name] === undefined ? '-' : display(key[name], 60)
}

/** What `keys` shows of each JWK, and whether the core would use it (same rules, same order). */
export function reportKeys(candidates: readonly unknown[]): KeyReport[] {
  let usable = 0
  return candidates.map((candidate) => {
    const key = (typeof candidate === 'object' && candidate !== null ? candidate : {}) as Record<
      string,
      unknown
    >
    const reason = unusableKeyReason(candidate)
    const overLimit = reason === undefined && usable >= MAX_KEYS
    if (reason === undefined && !overLimit) usable++
    const skipped = reason ?? (overLimit ? `over jwks.maxKeys (${MAX_KEYS})` : undefined)
    return {
      kid: field(key, 'kid'),
      kty: field(key, 'kty'),
      alg: field(key, 'alg'),
      use: field(key, 'use'),
      size: key.kty === 'RSA' ? modulusBits(key.n) : field(key, 'crv'),
      usable: skipped === undefined,
      ...(skipped === undefined ? {} : { skipped }),
    }
  })
}
