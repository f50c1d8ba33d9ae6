export { auth0, cognito, entra, githubActions, googleServiceAccount, keycloak, okta } from './providers.js'
export type { ProfileOptions } from './providers.js'
