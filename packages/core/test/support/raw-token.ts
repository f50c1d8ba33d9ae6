import { KeyObject, sign as cryptoSign } from 'node:crypto'
import { b64url, type TestKey } from './keys.js'

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

/**
 * Signs raw header and payload bytes with an ES* or RS* test key, for tokens jose refuses to produce
 * (`exp: 1e400`, `crit`, invalid UTF-8, …). The signature is valid, so only the rule under test rejects.
 */
export function signRaw(
  key: Pick<TestKey, 'alg' | 'privateKey'> | { alg: string; privateKey: KeyObject },
  header: Buffer | string | object,
  payload: Buffer | string,
): string {
  const headerBytes = typeof header === 'object' && !Buffer.isBuffer(header) ? JSON.stringify(header) : header
  const input = `${b64url(headerBytes)}.${b64url(payload)}`
  const hash = HASH[key.alg.slice(2)]
  if (!hash || !/^(ES|RS)/.test(key.alg)) throw new Error(`signRaw does not support ${key.alg}`)
  const signature = cryptoSign(hash, Buffer.from(input), {
    key: key.privateKey instanceof KeyObject ? key.privateKey : KeyObject.from(key.privateKey),
    ...(key.alg.startsWith('ES') ? { dsaEncoding: 'ieee-p1363' as const } : {}),
  })
  return `${input}.${signature.toString('base64url')}`
}
