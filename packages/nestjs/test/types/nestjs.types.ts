// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import type { Request } from 'express'
import {
  createVerifier,
  RequireRoles,
  RequireScopes,
  TokenguardModule,
  type AuthRequest,
  type TokenguardModuleOptions,
  type VerifiedToken,
} from '@tokenguard/nestjs'

// issuer and audience are required; null opts out explicitly.
// @ts-expect-error audience is missing
TokenguardModule.forRoot({ issuer: 'https://idp.example.com/' })
TokenguardModule.forRoot({ issuer: null, audience: null, jwksUri: 'https://idp.example.com/jwks' })

// A shared verifier excludes verifier options.
const verifier = createVerifier({ issuer: 'https://idp.example.com/', audience: 'api' })
TokenguardModule.forRoot({ verifier, credentialsRequired: false })
// @ts-expect-error verifier options go to createVerifier, not next to a verifier
TokenguardModule.forRoot({ verifier, issuer: 'https://idp.example.com/' })

// getToken receives the platform's request, seen through what both platforms share.
const options: TokenguardModuleOptions = {
  issuer: 'https://idp.example.com/',
  audience: 'api',
  getToken: (request: AuthRequest) => request.headers['x-token'] as string | undefined,
}
TokenguardModule.forRoot(options)

// The factory must return options.
TokenguardModule.forRootAsync({ useFactory: async () => options })
// @ts-expect-error the factory returns something else
TokenguardModule.forRootAsync({ useFactory: () => 'https://idp.example.com/' })

// RequireRoles takes the core's arguments: names, then an options object.
RequireRoles('admin', { match: 'any', claims: ['roles', 'groups'] })
// @ts-expect-error scopes are strings
RequireScopes(1)

// On Express, `req.auth` is typed as with @tokenguard/express.
declare const req: Request
const auth: VerifiedToken | undefined = req.auth
void auth
