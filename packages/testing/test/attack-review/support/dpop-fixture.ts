import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { createDpopClient, createTestIssuer, type DpopClient, type TestIssuer } from '../../../src/index.js'

/** What every DPoP attack-review file starts from: one issuer, the victim's and the attacker's keys. */
export interface DpopFixture {
  issuer: TestIssuer
  victim: DpopClient
  attacker: DpopClient
  /** A token bound to the victim's key (`cnf.jkt`). */
  bound: string
  options: { issuer: string; audience: string | string[] }
}

export async function createDpopFixture(): Promise<DpopFixture> {
  const [issuer, victim, attacker] = await Promise.all([
    createTestIssuer(),
    createDpopClient(),
    createDpopClient(),
  ])
  const bound = await issuer.sign({ cnf: { jkt: victim.thumbprint } })
  return { issuer, victim, attacker, bound, options: { issuer: issuer.url, audience: issuer.audience } }
}

export const ath = (token: string) => createHash('sha256').update(token).digest('base64url')

/** An ES256 DPoP key that signs any header, even one jose refuses to make. */
export async function rawSigner() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = publicKey.export({ format: 'jwk' }) as JWK
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return {
    thumbprint: await calculateJwkThumbprint(jwk, 'sha256'),
    sign(extraHeader: Record<string, unknown>, claims: Record<string, unknown>): string {
      const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk, ...extraHeader })}.${b64(claims)}`
      const signature = cryptoSign('sha256', Buffer.from(input), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      })
      return `${input}.${signature.toString('base64url')}`
    },
  }
}

export function dpopHeaders(token: string, proof: string): Array<[string, string]> {
  return [
    ['authorization', `DPoP ${token}`],
    ['dpop', proof],
  ]
}
