/**
 * How one plane spells and nests scopes. The evaluator only asks `contains`; the data plane plugs in
 * `hsmScopeRule`, the management plane `armScopeRule(...)`, so the decision code exists once.
 */
export interface ScopeRule {
  /** Validates a scope and returns its canonical spelling; throws `BadParameter` naming `field` otherwise. */
  normalize(scope: unknown, field: string): string;
  /**
   * True iff an assignment at `assignmentScope` covers `targetScope`. A scope that does not parse contains nothing
   * and is contained by nothing, so a corrupt stored scope grants nothing; never throws on bad scopes.
   */
  contains(assignmentScope: string, targetScope: string): boolean;
}
