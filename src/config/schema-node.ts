/**
 * A small declarative schema: one tree describes every option, its type, range
 * and static default, and both the validator and the environment mapping walk it,
 * so an option cannot be valid in the file yet unknown to the environment.
 */
export type SchemaNode =
  | { readonly kind: "string"; readonly default?: string; readonly check?: (value: string) => string | undefined }
  | {
      readonly kind: "integer";
      readonly min: number;
      readonly max: number;
      readonly default?: number;
      /** Also accepts the word `auto`, which the loader resolves from the machine (e.g. one per core). */
      readonly orAuto?: boolean;
    }
  | { readonly kind: "boolean"; readonly default?: boolean }
  | { readonly kind: "enum"; readonly values: readonly string[]; readonly default?: string }
  | { readonly kind: "listen"; readonly default?: string }
  | {
      readonly kind: "object";
      readonly fields: Readonly<Record<string, SchemaNode>>;
      readonly required?: readonly string[];
      /** Keys refused with a specific reason (e.g. secrets that belong in the environment). */
      readonly forbidden?: Readonly<Record<string, string>>;
      /** An absent optional object stays absent; any other absent object is filled with its fields' defaults. */
      readonly optional?: boolean;
    }
  | { readonly kind: "array"; readonly item: SchemaNode; readonly minItems?: number; readonly maxItems: number };

export type ObjectNode = Extract<SchemaNode, { kind: "object" }>;
