/**
 * Freezes a parsed JSON value and everything in it. Verified claims may be shared between requests by the
 * token cache, so no handler may change what another request sees. Iterative, so deeply nested claims
 * cannot exhaust the stack.
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const current = pending.pop()
    if (typeof current !== 'object' || current === null || Object.isFrozen(current)) continue
    Object.freeze(current)
    for (const child of Object.values(current)) pending.push(child)
  }
  return value
}
