/**
 * Divides a plan among `--workers` processes: each gets a share of the
 * concurrency, the same rate per loop (so the total rate is kept), and a
 * share of the count.
 */
import { badParameter } from "../errors.js";
import type { LoadPlan } from "./run.js";

export function splitPlan(plan: LoadPlan, workers: number): LoadPlan[] {
  if (!Number.isInteger(workers) || workers < 1) throw badParameter("--workers", "must be a whole number, at least 1");
  if (workers > plan.concurrency)
    throw badParameter("--workers", `cannot exceed --concurrency (${plan.concurrency}): each worker needs at least one loop`);
  if (plan.count !== undefined && workers > plan.count) throw badParameter("--workers", `cannot exceed --count (${plan.count})`);
  const concurrencies = shares(plan.concurrency, workers);
  const counts = plan.count === undefined ? undefined : shares(plan.count, workers);
  return concurrencies.map((concurrency, index) => {
    const part: LoadPlan = { ...plan, concurrency };
    if (plan.rate !== undefined) part.rate = (plan.rate * concurrency) / plan.concurrency;
    if (counts !== undefined) part.count = counts[index];
    return part;
  });
}

/** `total` as `parts` whole numbers that differ by at most one and add up to it. */
export function shares(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, index) => base + (index < total % parts ? 1 : 0));
}
