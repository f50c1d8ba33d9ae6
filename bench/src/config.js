import { env } from 'node:process'

/**
 * Run settings. `BENCH_QUICK=1` is for development (about a minute, numbers indicative only); the default
 * is the full run the published numbers come from. Individual knobs can be overridden by environment.
 */
const quick = env.BENCH_QUICK === '1'

function num(name, fallback) {
  const value = env[name]
  return value === undefined || value === '' ? fallback : Number(value)
}

export const settings = {
  quick,
  /** Verifier micro-benchmark: measured rounds, and the length of one measurement. */
  verifierRounds: num('BENCH_VERIFIER_ROUNDS', quick ? 2 : 5),
  verifierMs: num('BENCH_VERIFIER_MS', quick ? 30 : 400),
  verifierWarmupMs: num('BENCH_VERIFIER_WARMUP_MS', quick ? 20 : 300),
  /** HTTP benchmark: measured rounds, seconds per measurement, seconds of warm-up before it. */
  httpRounds: num('BENCH_HTTP_ROUNDS', quick ? 1 : 3),
  httpSeconds: num('BENCH_HTTP_SECONDS', quick ? 1 : 5),
  httpWarmupSeconds: num('BENCH_HTTP_WARMUP_SECONDS', quick ? 0.5 : 1),
  httpConnections: num('BENCH_HTTP_CONNECTIONS', 50),
  /** Memory benchmark: distinct valid tokens pushed through one verifier. */
  memoryTokens: num('BENCH_MEMORY_TOKENS', quick ? 50_000 : 1_000_000),
  /**
   * Pre-signed tokens per algorithm for cold runs. The RS256 pool (used by the HTTP runs) is larger than
   * tokenguard's default cache (10 000 entries), so cycling through it in order never hits any cache.
   */
  coldPool: { RS256: 12_000, PS256: 6_000, ES256: 20_000, EdDSA: 20_000, HS256: 20_000 },
  /**
   * DPoP HTTP runs: proofs made before each measurement, one per request (a proof is accepted once). More
   * than a measurement (warm-up included) sends; should it run out, the replays show as failed requests.
   */
  dpopProofs: num('BENCH_DPOP_PROOFS', quick ? 20_000 : 150_000),
  /** Multi-tenant part: tenants, each with its own key and JWK Set (issue 17: 10 000). */
  tenants: num('BENCH_TENANTS', 10_000),
  /** Tokens a warm HTTP run cycles through (the issue: 100 tokens reused). */
  warmHttpTokens: 100,
  /** Restrict to some parts, e.g. `BENCH_ONLY=verifier,http,memory,jwe,tenants,introspection`. */
  only: (env.BENCH_ONLY ?? 'verifier,http,memory,jwe,tenants,introspection').split(','),
  /** For development: restrict the HTTP part, e.g. `BENCH_FRAMEWORKS=koa BENCH_VARIANTS=bare,tokenguard`. */
  frameworks: env.BENCH_FRAMEWORKS?.split(','),
  variants: env.BENCH_VARIANTS?.split(','),
  modes: env.BENCH_MODES?.split(','),
}

export const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']
