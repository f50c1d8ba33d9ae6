// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import Fastify, { type FastifyContextConfig } from 'fastify'
import tokenguard, { createVerifier, jwtAuth, requireScopes, type GuardHook } from '@tokenguard/fastify'

// Users augment the core's AuthClaims once; the name is unique to this file because the augmentation is
// global to the type-check program.
declare module '@tokenguard/core' {
  interface AuthClaims {
    fastify_tenant?: string
  }
}

const app = Fastify()

async function setup(): Promise<void> {
  await app.register(jwtAuth, { issuer: 'https://idp.example.com/', audience: 'api' })
  await app.register(tokenguard, {
    issuer: null,
    audience: null,
    keys: { kty: 'OKP', crv: 'Ed25519', x: 'AA' },
  })
  // @ts-expect-error issuer is missing
  await app.register(jwtAuth, { audience: 'api' })
  // @ts-expect-error audience is missing
  await app.register(jwtAuth, { issuer: 'https://idp.example.com/' })
  const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'api' })
  await app.register(jwtAuth, { verifier, getToken: (request) => request.headers['x-token'] as string })
  // @ts-expect-error verifier options go to createVerifier, not next to a verifier
  await app.register(jwtAuth, { verifier, issuer: 'https://idp.example.com/' })
}
void setup

app.get('/me', async (request) => {
  // request.auth is `VerifiedToken | null`.
  // @ts-expect-error possibly null
  void request.auth.payload
  const tenant: string | undefined = request.auth?.payload.fastify_tenant
  // @ts-expect-error the augmented claim is a string
  const wrong: number | undefined = request.auth?.payload.fastify_tenant
  return { tenant, wrong }
})

// Route config: public routes and requirements.
app.get('/health', { config: { auth: false } }, async () => 'ok')
app.get(
  '/items',
  { config: { auth: { scopes: ['read:items'], anyScope: ['a', 'b'], roles: ['admin'] } } },
  async () => [],
)
// Fastify infers a route's config type from the argument, so misspellings are caught on the augmented
// interface itself (and at start-up by the plugin).
const ok: FastifyContextConfig = { auth: { scopes: ['read'] } }
// @ts-expect-error `true` is not a route requirement
const notTrue: FastifyContextConfig = { auth: true }
// @ts-expect-error unknown requirement
const misspelt: FastifyContextConfig = { auth: { scope: ['read'] } }
void [ok, notTrue, misspelt]

// Guards are hooks, and app.authenticate is decorated.
const guard: GuardHook = requireScopes('read:items')
app.get('/guarded', { preHandler: guard, onRequest: [app.authenticate] }, async () => 'ok')
