export { createTestIssuer } from './create-test-issuer.js'
export type { TestIssuer, TestIssuerOptions, TestSignOptions } from './create-test-issuer.js'
export { generateSigningKey } from './signing-keys.js'
export type { SigningAlgorithm, SigningKey } from './signing-keys.js'
