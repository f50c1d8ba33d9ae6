// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import Router from '@koa/router'
import Koa from 'koa'
import {
  createVerifier,
  jwtAuth,
  requireScopes,
  type GuardMiddleware,
  type JwtAuthOptions,
} from '@tokenguard/koa'

// Users augment the core's AuthClaims once; the name is unique to this file because the augmentation is
// global to the type-check program.
declare module '@tokenguard/core' {
  interface AuthClaims {
    koa_tenant?: string
  }
}

// @ts-expect-error issuer is missing
jwtAuth({ audience: 'api' })
// @ts-expect-error audience is missing
jwtAuth({ issuer: 'https://idp.example.com/' })
jwtAuth({ issuer: 'https://idp.example.com/', audience: null })

const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'api' })
jwtAuth({ verifier })
// @ts-expect-error verifier options go to createVerifier, not next to a verifier
jwtAuth({ verifier, audience: 'api' })

// getToken receives the Koa context.
const options: JwtAuthOptions = { verifier, getToken: (ctx) => ctx.cookies.get('at') }
// @ts-expect-error getToken must return a string, null or undefined
jwtAuth({ verifier, getToken: () => ({}) })

const app = new Koa()
app.use(jwtAuth(options))
app.use((ctx) => {
  // ctx.state.auth is typed through Koa's DefaultState.
  const tenant: string | undefined = ctx.state.auth?.payload.koa_tenant
  // @ts-expect-error the augmented claim is a string
  const wrong: number | undefined = ctx.state.auth?.payload.koa_tenant
  // @ts-expect-error auth is optional
  void ctx.state.auth.payload
  ctx.body = { tenant, wrong }
})

const router = new Router()
const guard: GuardMiddleware = requireScopes('read:items')
router.get('/items', guard, (ctx) => {
  const sub: string | undefined = ctx.state.auth?.payload.sub
  ctx.body = sub
})
app.use(router.routes())
