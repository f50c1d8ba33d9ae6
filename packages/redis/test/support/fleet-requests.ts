import type { ChildProcess } from 'node:child_process'

/** One API process of the fleet (support/api-server.mjs), reached directly: no load balancer. */
export interface Instance {
  framework: string
  url: string
  child: ChildProcess
}

/** What a request sends: a token as Bearer, or as DPoP with its proof. */
export interface Credentials {
  token: string
  /** A DPoP proof: the token is then sent with the `DPoP` scheme. */
  proof?: string
}

/** What the test looks at in an answer: the status, the refusal's code (api-server.mjs sends it), headers. */
export interface Answer {
  status: number
  code: string | undefined
  headers: Headers
}

export async function call(
  instance: Instance,
  { token, proof }: Credentials,
  method = 'GET',
  path = '/protected',
): Promise<Answer> {
  const headers: Record<string, string> =
    proof === undefined
      ? { authorization: `Bearer ${token}` }
      : { authorization: `DPoP ${token}`, dpop: proof }
  const response = await fetch(instance.url + path, { method, headers })
  const text = await response.text()
  return { status: response.status, code: response.ok ? undefined : codeOf(text), headers: response.headers }
}

function codeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { code?: string }).code
  } catch {
    return undefined // not a refusal rendered by api-server.mjs (a 500, say): the status tells
  }
}

export async function status(instance: Instance, token: string, method = 'GET', path = '/protected') {
  return (await call(instance, { token }, method, path)).status
}

/**
 * Asks every instance until each answers `expected`, or the deadline passes; the statuses last seen. A
 * correctness bound, not a measurement. `credentials` is called before each try (a DPoP proof is good
 * once).
 */
export async function statusesWithin(
  deadlineMs: number,
  instances: Instance[],
  credentials: string | (() => Promise<Credentials>),
  expected: number,
): Promise<number[]> {
  const next = typeof credentials === 'string' ? async () => ({ token: credentials }) : credentials
  const deadline = performance.now() + deadlineMs
  let seen: number[]
  do {
    seen = await Promise.all(instances.map(async (instance) => (await call(instance, await next())).status))
    if (seen.every((code) => code === expected)) break
    await new Promise((resolve) => setTimeout(resolve, 2))
  } while (performance.now() < deadline)
  return seen
}
