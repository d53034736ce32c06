/**
 * Every package `npm ci` installs accepts the oldest Node the project supports (package.json engines, 20.19.0), so
 * `npm ci` prints no EBADENGINE warning. @bufbuild/protoc-gen-es 2.14+ and cookie 2.x (through light-my-request 6.8)
 * require Node 22: package.json pins protoc-gen-es and @bufbuild/protobuf to 2.13.0 and overrides light-my-request to 6.6.0.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

type Version = readonly [number, number, number];
const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The subset of semver ranges that engines fields use: `*`, `>=`, `^`, `N.x`, joined by `||`. */
function satisfies(version: Version, range: string): boolean {
  return range.split("||").some((alternative) => {
    const text = alternative.trim();
    if (text === "*" || text === "") return true;
    const match = /^(>=|\^)?\s*(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(text);
    if (match === null) throw new Error(`unsupported engines range: ${text}`);
    const [, operator, majorText, minorText, patchText] = match;
    const number = (part: string | undefined): number | undefined =>
      part === undefined || part === "x" || part === "*" ? undefined : Number(part);
    const [major, minor, patch] = [Number(majorText), number(minorText), number(patchText)];
    const lowest: Version = [major, minor ?? 0, patch ?? 0];
    if (operator === ">=") return compare(version, lowest) >= 0;
    if (operator === "^") return version[0] === major && compare(version, lowest) >= 0;
    return version[0] === major && (minor === undefined || version[1] === minor) && (patch === undefined || version[2] === patch);
  });
}

describe("engines", () => {
  const root = resolve(import.meta.dirname, "..");
  const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { engines: { node: string } };
  const oldest = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.node)!.slice(1).map(Number) as unknown as Version;

  it("reads the ranges as npm does", () => {
    expect(satisfies([20, 19, 0], ">=22")).toBe(false);
    expect(satisfies([20, 19, 0], "^20.19.0 || >=22.12.0")).toBe(true);
    expect(satisfies([20, 18, 0], "^20.19.0 || >=22.12.0")).toBe(false);
    expect(satisfies([20, 19, 0], "20.x || 22.x")).toBe(true);
    expect(satisfies([20, 19, 0], ">= 10.x")).toBe(true);
  });

  it(`every locked package accepts Node ${oldest.join(".")}`, () => {
    const lock = JSON.parse(readFileSync(resolve(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refused = Object.entries(lock.packages)
      .map(([path, entry]) => [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const)
      .filter((entry): entry is readonly [string, string] => entry[1] !== undefined && !satisfies(oldest, entry[1]))
      .map(([path, range]) => `${path}: ${range}`);
    expect(refused).toEqual([]);
  });
});
