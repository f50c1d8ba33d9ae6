/** One line of `verify`: a check, its outcome and why. */
export interface CheckResult {
  /** What was checked: `discovery`, `jwks`, `syntax`, `iss`, `alg`, `typ`, `kid`, `signature`, a claim, `cnf`, a guard. */
  check: string
  /**
   * `pass`, `fail`, `skip` (not reached: the verifier stops there too), or `offline` (cannot be decided
   * without the request: a key binding needs the DPoP proof or the TLS certificate).
   */
  status: 'pass' | 'fail' | 'skip' | 'offline'
  /** The explanation; safe to print (remote values escaped). */
  message: string
  /** The core's error code, when the core refused at this check. */
  code?: string
}
