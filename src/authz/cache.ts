/**
 * A bounded decision cache. Correctness rests on one contract with the callers: they bump `generation` on every
 * change to assignments, definitions, group membership or principal state, and pass the state of that generation.
 * Any generation other than the one the cache was filled at empties it, so a cached "allowed" never outlives the
 * grant it came from (SPEC section 6). Read the generation BEFORE the state: state newer than its generation is
 * harmless (the next bump clears it), state older than its generation would be served until the next bump.
 */
import { badParameter } from "../errors.js";
import { Lru } from "../lru.js";
import { decideValidated, validateQuery, type AccessQuery, type Decision, type DecideOptions } from "./evaluator.js";
import type { AuthorizationState } from "./model.js";

export interface DecisionCacheOptions extends DecideOptions {
  /** Most entries kept; the least recently used go first. */
  readonly maxEntries: number;
}

export interface DecisionCache {
  /** `loadState` is only called on a miss. */
  decide(query: AccessQuery, generation: number, loadState: () => AuthorizationState): Decision;
  readonly size: number;
}

export function createDecisionCache(options: DecisionCacheOptions): DecisionCache {
  if (!Number.isSafeInteger(options.maxEntries) || options.maxEntries < 1) {
    throw badParameter("maxEntries", "must be a positive integer");
  }
  const entries = new Lru<Decision>(options.maxEntries);
  let filledAt: number | undefined;

  return {
    get size() {
      return entries.size;
    },
    decide(query, generation, loadState) {
      if (!Number.isSafeInteger(generation)) throw badParameter("generation", "must be an integer");
      if (generation !== filledAt) {
        entries.clear();
        filledAt = generation;
      }
      const canonical = validateQuery(query, options.rule);
      const key = cacheKey(canonical);
      const cached = entries.get(key);
      if (cached !== undefined) return cached;
      const decision = decideValidated(canonical, loadState(), options);
      entries.set(key, decision);
      return decision;
    },
  };
}

/** The principal set (order and case do not matter), the action (case-insensitive) and the target. */
function cacheKey(query: AccessQuery): string {
  const principals = [...new Set(query.principalIds.map((id) => id.toLowerCase()))].sort().join(",");
  return `${principals}\n${query.action.toLowerCase()}\n${query.target}`;
}
