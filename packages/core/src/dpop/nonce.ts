import { createHmac, timingSafeEqual } from 'node:crypto'
import { ConfigError } from '../errors.js'

/** Server-provided DPoP nonces (RFC 9449 §8): made and checked without any state. */
export interface DpopNonces {
  /** The nonce to hand out now. */
  current(nowMs: number): string
  /** Whether `nonce` was made with one of the secrets in the current or the previous time step. */
  isValid(nonce: unknown, nowMs: number): boolean
}

const MIN_SECRET_BYTES = 32
/** Nonces are 43 base64url characters (256-bit HMAC); anything longer is not ours. */
const NONCE_LENGTH = 43

function secretBytes(secret: unknown, option: string): Buffer {
  const bytes =
    typeof secret === 'string'
      ? Buffer.from(secret, 'utf8')
      : secret instanceof Uint8Array
        ? Buffer.from(secret)
        : undefined
  if (bytes === undefined) throw new ConfigError(option, 'must be a string or bytes')
  if (bytes.length < MIN_SECRET_BYTES)
    throw new ConfigError(option, `must be at least ${MIN_SECRET_BYTES} bytes`)
  return bytes
}

/**
 * Derives nonces from a secret and a time step of `lifetime` seconds: `HMAC-SHA256(secret, step)`.
 * Every instance sharing the secret makes and accepts the same nonces; the current and the previous step
 * are accepted, so a nonce lives between `lifetime` and twice that. With several secrets (rollover), the
 * first makes nonces and all of them verify.
 */
export function createDpopNonces(secret: unknown, lifetime: unknown): DpopNonces {
  const secrets = (Array.isArray(secret) ? secret : [secret]).map((one, index) =>
    secretBytes(one, Array.isArray(secret) ? `dpop.nonce.secret[${index}]` : 'dpop.nonce.secret'),
  )
  if (secrets.length === 0) throw new ConfigError('dpop.nonce.secret', 'must hold at least one secret')
  const seconds = lifetime ?? 300
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
    throw new ConfigError('dpop.nonce.lifetime', 'must be an integer number of seconds from 1 to 86 400')
  const stepMs = seconds * 1000
  const make = (key: Buffer, step: number) =>
    createHmac('sha256', key).update(`tokenguard-dpop-nonce:${step}`).digest()

  return {
    current: (nowMs) => make(secrets[0] as Buffer, Math.floor(nowMs / stepMs)).toString('base64url'),
    isValid(nonce, nowMs) {
      if (typeof nonce !== 'string' || nonce.length !== NONCE_LENGTH) return false
      const given = Buffer.from(nonce, 'base64url')
      if (given.length !== 32 || given.toString('base64url') !== nonce) return false
      const step = Math.floor(nowMs / stepMs)
      let valid = false
      // Every candidate is compared, in constant time each, so the answer's timing says nothing.
      for (const key of secrets)
        for (const candidate of [step, step - 1])
          valid = timingSafeEqual(make(key, candidate), given) || valid
      return valid
    },
  }
}
