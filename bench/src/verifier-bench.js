import { readFileSync, writeFileSync } from 'node:fs'
import { argv, stderr } from 'node:process'
import { performance } from 'node:perf_hooks'
import { settings } from './config.js'
import { collectGarbage, median, rotate } from './stats.js'
import { contenders } from './verifier-cases.js'

/**
 * Verifier micro-benchmark, run in its own process by run.js: ops/s of each contender for each algorithm,
 * warm (one token repeated) and cold (a new token every call), at concurrency 1 and 64. Each measurement
 * lasts `verifierMs`; rounds interleave the contenders' order and the report keeps the median.
 *
 * Usage: node --expose-gc verifier-bench.js <fixtures.json> <result.json>
 */

export const SCENARIOS = [
  { id: 'warm-1', mode: 'warm', concurrency: 1 },
  { id: 'warm-64', mode: 'warm', concurrency: 64 },
  { id: 'cold-1', mode: 'cold', concurrency: 1 },
  { id: 'cold-64', mode: 'cold', concurrency: 64 },
]

const BATCH = 16

/** Runs `instance.verify` over `tokens` (cyclically) for `ms`, or until `maxOps` calls; returns ops/s. */
async function measure(instance, tokens, { concurrency, ms, maxOps }) {
  const count = tokens.length
  let next = 0
  let done = 0
  let stop = false
  const start = performance.now()
  const deadline = start + ms
  if (instance.sync && concurrency === 1) {
    // A synchronous API is timed as its users call it: in a plain loop, without an await per call.
    while (!stop) {
      for (let k = 0; k < BATCH && next < maxOps; k++) instance.verify(tokens[next++ % count])
      if (next >= maxOps || performance.now() >= deadline) stop = true
    }
    done = next
  } else {
    const worker = async () => {
      while (!stop) {
        for (let k = 0; k < BATCH && next < maxOps; k++) {
          await instance.verify(tokens[next++ % count])
          done++
        }
        if (next >= maxOps || performance.now() >= deadline) stop = true
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }
  return done / ((performance.now() - start) / 1000)
}

/** A token whose signature bytes differ (a middle character, so not merely the unused trailing bits). */
function tamper(token) {
  const at = token.lastIndexOf('.') + 10
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
}

async function instantiate(contender, fixture, fixtures, scenario) {
  const instance = await contender.make(fixture, fixtures, scenario)
  // Sanity: the contender accepts a valid token and rejects a forged one, or its numbers mean nothing.
  await instance.verify(fixture.warm)
  let forgedAccepted = true
  try {
    await instance.verify(tamper(fixture.warm))
  } catch {
    forgedAccepted = false
  }
  if (forgedAccepted) throw new Error(`${contender.id} accepted a forged ${fixture.alg} token`)
  return instance
}

export async function runVerifierBench(fixtures) {
  const results = {}
  const plans = []
  for (const [alg, fixture] of Object.entries(fixtures.algs)) {
    results[alg] = {}
    for (const scenario of SCENARIOS) {
      results[alg][scenario.id] = {}
      for (const contender of contenders) {
        if (scenario.mode === 'warm' && contender.warm === false) continue
        if (scenario.mode === 'cold' && contender.cold === false) continue
        let shared
        try {
          shared = contender.fresh ? undefined : await instantiate(contender, fixture, fixtures, scenario)
        } catch (error) {
          results[alg][scenario.id][contender.id] = { unsupported: String(error.message ?? error) }
          continue
        }
        results[alg][scenario.id][contender.id] = { rounds: [] }
        plans.push({ alg, fixture, scenario, contender, shared })
      }
    }
  }

  const run = async (plan) => {
    const { fixture, scenario, contender } = plan
    const instance = plan.shared ?? (await instantiate(contender, fixture, fixtures, scenario))
    const tokens = scenario.mode === 'warm' ? [fixture.warm] : fixture.cold
    const maxOps = scenario.mode === 'cold' && contender.fresh ? tokens.length : Number.POSITIVE_INFINITY
    collectGarbage()
    return measure(instance, tokens, { concurrency: scenario.concurrency, ms: plan.ms, maxOps })
  }

  // Warm-up: lets the JIT optimise every path before anything is recorded.
  for (const plan of plans) {
    try {
      await run({ ...plan, ms: settings.verifierWarmupMs })
    } catch (error) {
      results[plan.alg][plan.scenario.id][plan.contender.id] = { unsupported: String(error.message ?? error) }
    }
  }
  const live = plans.filter((plan) => results[plan.alg][plan.scenario.id][plan.contender.id].rounds)

  for (let round = 0; round < settings.verifierRounds; round++) {
    stderr.write(`  verifier round ${round + 1}/${settings.verifierRounds}\n`)
    const groups = new Map()
    for (const plan of live) {
      const key = `${plan.alg}/${plan.scenario.id}`
      groups.set(key, [...(groups.get(key) ?? []), plan])
    }
    let g = 0
    for (const group of groups.values()) {
      for (const plan of rotate(group, round + g++)) {
        const opsPerSecond = await run({ ...plan, ms: settings.verifierMs })
        results[plan.alg][plan.scenario.id][plan.contender.id].rounds.push(opsPerSecond)
      }
    }
  }
  for (const byScenario of Object.values(results)) {
    for (const byContender of Object.values(byScenario)) {
      for (const entry of Object.values(byContender)) if (entry.rounds) entry.median = median(entry.rounds)
    }
  }
  return results
}

if (argv[2] && argv[3]) {
  const fixtures = JSON.parse(readFileSync(argv[2], 'utf8'))
  const results = await runVerifierBench(fixtures)
  writeFileSync(argv[3], JSON.stringify(results))
}
