import { performance } from 'node:perf_hooks'

/** Median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** `list` rotated left by `by`: interleaves the order of contenders from one round to the next. */
export function rotate(list, by) {
  const shift = ((by % list.length) + list.length) % list.length
  return [...list.slice(shift), ...list.slice(0, shift)]
}

/** Runs `gc()` when node was started with --expose-gc, so one measurement does not pay for another's garbage. */
export function collectGarbage() {
  if (typeof globalThis.gc === 'function') globalThis.gc()
}

/** Calls each caller makes between two looks at the clock: reading it per call would cost more than some calls. */
const BATCH = 16

/**
 * Verifications per second of `verifier.verify(nextToken())` for `ms`, with `concurrency` callers each
 * awaiting its own calls. Any refusal rejects: in a benchmark it is a bug.
 */
export async function verifyRate(verifier, nextToken, concurrency, ms) {
  let done = 0
  let stop = false
  const start = performance.now()
  const deadline = start + ms
  const worker = async () => {
    while (!stop) {
      for (let k = 0; k < BATCH; k++) {
        await verifier.verify(nextToken())
        done++
      }
      if (performance.now() >= deadline) stop = true
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { ops: done, rate: done / ((performance.now() - start) / 1000) }
}
