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
