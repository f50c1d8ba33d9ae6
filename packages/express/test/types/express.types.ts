// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import express from 'express'
import {
  createVerifier,
  jwtAuth,
  requireRoles,
  requireScopes,
  type GuardHandler,
  type JwtAuthOptions,
} from '@tokenguard/express'

// Users augment the core's AuthClaims once; this name is unique to this file because the augmentation
// is global to the type-check program.
declare module '@tokenguard/core' {
  interface AuthClaims {
    express_tenant?: string
  }
}

const app = express()

// issuer and audience are required; null opts out explicitly.
// @ts-expect-error issuer is missing (and no resolveIssuer stands in for it)
jwtAuth({ audience: 'api' })
jwtAuth({
  audience: 'api',
  resolveIssuer: (iss) => (iss === 'https://t1.example/' ? { jwksUri: `${iss}jwks` } : undefined),
})
// @ts-expect-error audience is missing
jwtAuth({ issuer: 'https://idp.example.com/' })
jwtAuth({ issuer: null, audience: null, jwksUri: 'https://idp.example.com/jwks' })

// A shared verifier excludes verifier options.
const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'api' })
jwtAuth({ verifier, credentialsRequired: false })
// @ts-expect-error verifier options go to createVerifier, not next to a verifier
jwtAuth({ verifier, issuer: 'https://idp.example.com/' })

// getToken receives the Express request.
const options: JwtAuthOptions = {
  issuer: 'https://idp.example.com/',
  audience: 'api',
  getToken: (req) => req.get('x-token'),
}
// @ts-expect-error getToken must return a string, null or undefined
jwtAuth({ ...options, getToken: () => 42 })
// @ts-expect-error credentialsRequired is a boolean
jwtAuth({ ...options, credentialsRequired: 'yes' })

app.use(jwtAuth(options))
app.get('/items', requireScopes('read:items'), (req, res) => {
  // req.auth is optional: a route may be reached without jwtAuth or with credentialsRequired: false.
  // @ts-expect-error possibly undefined
  void req.auth.payload
  const tenant: string | undefined = req.auth?.payload.express_tenant
  // @ts-expect-error the augmented claim is a string
  const wrong: number | undefined = req.auth?.payload.express_tenant
  const sub: string | undefined = req.auth?.payload.sub
  const kid: string | undefined = req.auth?.header.kid
  res.json({ tenant, wrong, sub, kid })
})

const guard: GuardHandler = requireRoles('admin', { match: 'any' })
app.get('/admin', guard)
// @ts-expect-error roles are strings
requireRoles(1)
