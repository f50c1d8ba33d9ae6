import type { FastifyRequest } from 'fastify'

// Guards run in later hooks of the same request and need the realm for their challenges.
const realms = new WeakMap<FastifyRequest, string>()

/** Records the `realm` of the verifier that handled `request`. */
export function setRealm(request: FastifyRequest, realm: string | undefined): void {
  if (realm !== undefined) realms.set(request, realm)
}

/** The `realm` of the verifier that handled `request`. */
export function realmOf(request: FastifyRequest): string | undefined {
  return realms.get(request)
}
