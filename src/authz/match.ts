/**
 * Action pattern matching with Azure RBAC semantics: case-insensitive, `*` stands for any run of characters
 * (including `/`), every other character is literal. `Microsoft.KeyVault/managedHsm/keys/*` therefore matches
 * every key action, and `*` alone matches everything.
 */
export function actionMatches(pattern: string, action: string): boolean {
  const p = pattern.toLowerCase();
  const a = action.toLowerCase();
  if (!p.includes("*")) return p === a;
  return wildcardMatch(p, a);
}

export function matchesAny(patterns: readonly string[], action: string): boolean {
  return patterns.some((pattern) => actionMatches(pattern, action));
}

/** Greedy matching with backtracking to the last `*`: linear in practice, O(p*a) at worst, no regex built from input. */
function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let textAtStar = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === "*") {
      starAt = p++;
      textAtStar = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++textAtStar;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}
