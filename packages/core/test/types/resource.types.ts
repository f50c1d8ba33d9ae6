// Type-level tests, checked by `npx tsc -p tsconfig.test.json` (never run): each `@ts-expect-error`
// fails the build if the line after it compiles.
import { createAuthenticator, createVerifier } from '@tokenguard/core'

const issuer = 'https://idp.example.com/'
const resource = 'https://api.example.com/mcp'
const verifier = createVerifier({ issuer, audience: 'api' })

// `resource` stands in for `audience`; without it, `audience` stays required.
createAuthenticator({ issuer, resource })
createAuthenticator({ issuer, resource, resourceMetadata: { scopesSupported: ['a'] } })
createAuthenticator({ issuer, audience: 'api://app', resource })
// @ts-expect-error audience is missing and there is no resource
createAuthenticator({ issuer })
// @ts-expect-error audience is missing and there is no resource (resourceMetadata alone does not count)
createAuthenticator({ issuer, resourceMetadata: {} })
// @ts-expect-error with resource, an issuer (or resolveIssuer) is still required
createAuthenticator({ resource })
// @ts-expect-error resourceMetadata members are checked
createAuthenticator({ issuer, resource, resourceMetadata: { scopes: ['a'] } })

// Next to a shared verifier, `resource` and `resourceMetadata` are allowed, verifier options are not.
createAuthenticator({ verifier, resource, resourceMetadata: {} })
// @ts-expect-error audience belongs to the verifier
createAuthenticator({ verifier, resource, audience: 'api' })
