// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import {
  createMemoryRevocationStore,
  createVerifier,
  type RevocationEntry,
  type RevocationStore,
  type TokenPayload,
} from '@tokenguard/core'

const issuer = 'https://idp.example.com/'
const audience = 'api'
const revocation = createMemoryRevocationStore({ maxEntries: 10, maxTokenLifetime: 3600, now: Date.now })
createVerifier({ issuer, audience, revocation })

// The memory store answers synchronously: a boolean, never a promise.
const verdict: boolean = revocation.isRevoked({ jti: 'a', sub: 'b', iss: issuer, iat: 1, exp: 2 })
void verdict

// A store of your own: maxTokenLifetime, revoke and isRevoked, synchronous or not.
const shared: RevocationStore = {
  maxTokenLifetime: 3600,
  revoke: async () => undefined,
  isRevoked: async (claims) => claims.jti === 'revoked',
}
createVerifier({ issuer, audience, revocation: shared, isRevoked: () => false })
// @ts-expect-error a store declares its maxTokenLifetime
createVerifier({ issuer, audience, revocation: { revoke: async () => undefined, isRevoked: () => false } })
// @ts-expect-error isRevoked answers a boolean
createVerifier({ issuer, audience, revocation: { ...shared, isRevoked: () => 'no' } })

// Entries: a token by jti and exp, or a subject by sub and before; iss optional.
const entries: RevocationEntry[] = [
  { jti: 'a', exp: 1 },
  { jti: 'a', exp: 1, iss: issuer },
  { sub: 'b', before: 1 },
  { sub: 'b', before: 1, iss: undefined },
]
void entries
// @ts-expect-error a jti entry needs exp
void revocation.revoke({ jti: 'a' })
// @ts-expect-error a subject entry needs before, not exp
void revocation.revoke({ sub: 'b', exp: 1 })
// @ts-expect-error times are NumericDate numbers
void revocation.revoke({ jti: 'a', exp: new Date() })

// The verified payload's jti may be absent: check it before revoking.
declare const payload: TokenPayload
// @ts-expect-error jti is string | undefined
void revocation.revoke({ jti: payload.jti, exp: 1 })
if (payload.jti !== undefined && payload.exp !== undefined)
  void revocation.revoke({ jti: payload.jti, exp: payload.exp, iss: payload.iss })
// The verifier passes the whole payload to a store.
void revocation.isRevoked(payload)
