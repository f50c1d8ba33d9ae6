import type { Challenge } from '@tokenguard/core'
import type { FastifyRequest } from 'fastify'

// Guards run in later hooks of the same request and need its challenge (realm, schemes).
const challenges = new WeakMap<FastifyRequest, Challenge>()

/** Records the challenge of the plugin that handled `request`, when it says more than the default. */
export function setChallenge(request: FastifyRequest, challenge: Challenge): void {
  if (
    challenge.realm !== undefined ||
    challenge.dpopAlgorithms !== undefined ||
    challenge.resourceMetadata !== undefined
  )
    challenges.set(request, challenge)
}

/** The challenge of the plugin that handled `request`. */
export function challengeOf(request: FastifyRequest): Challenge | undefined {
  return challenges.get(request)
}
