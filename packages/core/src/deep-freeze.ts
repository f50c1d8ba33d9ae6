/**
 * Heap bytes of what `JSON.parse` builds, as V8 lays it out in Node's 64-bit builds (8-byte slots, no
 * pointer compression), measured with `--expose-gc` on Node 20; `bench/src/memory-bench.js` checks the
 * whole entry against the real heap. Small integers, booleans and `null` live inside their slot.
 */
const SLOT_BYTES = 8
const STRING_BYTES = 16
/** A number that is not a 32-bit integer is boxed, in arrays as in objects. */
const HEAP_NUMBER_BYTES = 16
/** An array and its element store; an empty array shares one empty store. */
const ARRAY_BYTES = 48
const EMPTY_ARRAY_BYTES = 32
/** `JSON.parse` gives a small object exactly one in-object slot per member, but `{}` gets four. */
const OBJECT_BYTES = 24
const EMPTY_OBJECT_BYTES = 56
/**
 * From this many members `JSON.parse` builds a dictionary-mode object instead: a hash table of three slots
 * per entry, its capacity the power of two above 1.5 × members (36–72 bytes a member), behind a header
 * and a map of its own.
 */
const DICTIONARY_MEMBERS = 128
const DICTIONARY_BYTES = 184
const DICTIONARY_ENTRY_BYTES = 24

/**
 * Characters counted one byte each. A two-byte string costs twice that, but each of its characters took
 * 2.7–4 characters of token text, which the token string is charged for.
 */
const stringBytes = (length: number) => STRING_BYTES + ((length + 7) & -8)

function objectBytes(value: object, members: number): number {
  if (members === 0) return EMPTY_OBJECT_BYTES
  if (members < DICTIONARY_MEMBERS) return OBJECT_BYTES + members * SLOT_BYTES
  // Hundreds of members are usually keyed by data (ids), not claim names shared with other tokens: their
  // names are counted too. Rare, so this second look at the keys costs the common case nothing.
  let bytes = DICTIONARY_BYTES + 2 ** (32 - Math.clz32(members + (members >> 1) - 1)) * DICTIONARY_ENTRY_BYTES
  for (const name of Object.keys(value)) bytes += stringBytes(name.length)
  return bytes
}

/**
 * Freezes a parsed JSON value and everything in it. Verified claims may be shared between requests by the
 * token cache, so no handler may change what another request sees. Iterative, so deeply nested claims
 * cannot exhaust the stack.
 *
 * Returns the heap bytes the value holds, counted in the same walk: the token cache charges them against
 * `cache.maxBytes`, and a second pass would cost every cache miss. The names of small objects are not
 * counted: claim names repeat from token to token, and V8 shares them, and the shapes built from them,
 * between all entries. Short strings a whole cache shares are counted for each entry: safe, not exact.
 */
export function deepFreeze(value: object): number {
  let bytes = 0
  const pending: object[] = [value]
  while (pending.length > 0) {
    const current = pending.pop() as object
    if (Object.isFrozen(current)) continue
    Object.freeze(current)
    const children = Object.values(current)
    if (!Array.isArray(current)) bytes += objectBytes(current, children.length)
    else bytes += children.length === 0 ? EMPTY_ARRAY_BYTES : ARRAY_BYTES + children.length * SLOT_BYTES
    // Leaves are weighed here, not queued: most members of a claims set are strings and numbers.
    for (const child of children) {
      if (typeof child === 'string') bytes += stringBytes(child.length)
      else if (typeof child === 'number') {
        if ((child | 0) !== child) bytes += HEAP_NUMBER_BYTES
      } else if (typeof child === 'object' && child !== null) pending.push(child)
    }
  }
  return bytes
}
