import { NOW } from './keys.js'

/** A settable clock for the `now` option, starting at {@link NOW}. Time only moves when a test moves it. */
export interface Clock {
  now: () => number
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void
}

export function createClock(startMs = NOW * 1000): Clock {
  let current = startMs
  return {
    now: () => current,
    advance: (ms) => {
      current += ms
    },
  }
}
