// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import { createVerifier, profiles, type IssuerResolver, type VerifierOptions } from '@tokenguard/core'

const resolveIssuer: IssuerResolver = async (iss) =>
  iss.endsWith('.saas.example/') ? { jwksUri: `${iss}jwks` } : undefined

// `issuer` or `resolveIssuer`: either one is enough, and both together list issuers besides the resolved ones.
createVerifier({ issuer: 'https://idp.example.com/', audience: 'api' })
createVerifier({ audience: 'api', resolveIssuer })
createVerifier({ issuer: ['https://idp.example.com/'], audience: 'api', resolveIssuer })
createVerifier({
  issuer: [
    { issuer: 'https://{tenantid}.saas.example/', jwksUri: 'https://saas.example/jwks', tenants: ['a'] },
  ],
  audience: 'api',
  resolveIssuer,
})
// @ts-expect-error neither issuer nor resolveIssuer
createVerifier({ audience: 'api' })
// @ts-expect-error issuer: null accepts any issuer, so a resolver would never be asked (a ConfigError at run time)
createVerifier({ issuer: null, audience: 'api', jwksUri: 'https://idp.example.com/jwks', resolveIssuer })
// @ts-expect-error resolveIssuer is a function
createVerifier({ audience: 'api', resolveIssuer: 'https://idp.example.com/' })
// @ts-expect-error audience is still required
createVerifier({ resolveIssuer })

// Profiles still spread into the options; the union survives a spread and a typed variable.
createVerifier({ ...profiles.okta({ domain: 'acme.okta.com' }), now: Date.now })
const options: VerifierOptions = { audience: 'api', resolveIssuer }
createVerifier({ ...options, cache: false })
