/**
 * Canonical JSON for hashing: the JSON Canonicalization Scheme of RFC 8785
 * restricted to what audit records hold (objects, arrays, strings, finite
 * numbers, booleans, null). Object members are sorted by UTF-16 code units
 * (RFC 8785 section 3.2.3), which is what Array.prototype.sort does on
 * strings, and numbers and strings use the ECMAScript serialization that
 * JSON.stringify implements (sections 3.2.2.2 and 3.2.2.3). The hash of a
 * record therefore does not depend on the order in which a line lists its
 * members, so a verifier can recompute it from the parsed line.
 */
export type CanonicalValue =
  | string
  | number
  | boolean
  | null
  | readonly CanonicalValue[]
  | { readonly [name: string]: CanonicalValue | undefined };

export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError("canonical JSON has no encoding for a non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item: CanonicalValue) => canonicalJson(item)).join(",")}]`;
  const object = value as { readonly [name: string]: CanonicalValue | undefined };
  const members: string[] = [];
  for (const name of Object.keys(object).sort()) {
    const member = object[name];
    if (member === undefined) continue;
    members.push(`${JSON.stringify(name)}:${canonicalJson(member)}`);
  }
  return `{${members.join(",")}}`;
}
