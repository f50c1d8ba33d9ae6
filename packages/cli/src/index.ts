export { EXIT_CODES } from './exit-codes.js'
export type { ExitCode } from './exit-codes.js'
