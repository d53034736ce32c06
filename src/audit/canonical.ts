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
  // Audit events are built with their members already in canonical order (event.ts), and then JSON.stringify's
  // output is the canonical form: the check is a walk without allocation, the general encoder sorts and concatenates.
  return inCanonicalOrder(value) ? JSON.stringify(value) : encode(value);
}

/** Whether every object in the value is a plain object whose members are defined and listed in sorted order. */
function inCanonicalOrder(value: CanonicalValue): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item: CanonicalValue) => inCanonicalOrder(item));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const object = value as { readonly [name: string]: CanonicalValue | undefined };
  let previous: string | undefined;
  for (const name in object) {
    const member = object[name];
    if ((previous !== undefined && !(previous < name)) || member === undefined || !inCanonicalOrder(member)) return false;
    previous = name;
  }
  return true;
}

function encode(value: CanonicalValue): string {
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
