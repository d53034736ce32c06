import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { measureProviders, measuredProvidersFile, resolveProviders, saveMeasuredProviders } from "../../src/workers/provider-choice.js";
import { EC_FIXTURES, RSA_FIXTURES } from "../helpers/keys.js";

describe("provider choice", () => {
  it("resolves auto to native when nothing was measured, and to the measured fastest after keyhold bench", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-providers-"));
    expect(await resolveProviders({ rsa: "auto", ec: "auto" }, dataDir)).toEqual({ rsa: "native", ec: "native" });
    await saveMeasuredProviders(dataDir, {
      providers: { rsa: "wasm", ec: "noble" },
      measuredAt: "2026-11-29T00:00:00Z",
      opsPerSecond: { rsa: {}, ec: {} },
    });
    expect(await resolveProviders({ rsa: "auto", ec: "auto" }, dataDir)).toEqual({ rsa: "wasm", ec: "noble" });
    expect(await resolveProviders({ rsa: "native", ec: "auto" }, dataDir)).toEqual({ rsa: "native", ec: "noble" });
  });

  it("measures every provider of each family and saves what it found", async () => {
    const measured = await measureProviders({ rsa: RSA_FIXTURES[2048], ec: EC_FIXTURES["P-256"] }, 50);
    expect(Object.keys(measured.opsPerSecond.rsa).sort()).toEqual(["native", "wasm"]);
    expect(Object.keys(measured.opsPerSecond.ec).sort()).toEqual(["native", "noble"]);
    const best = (rates: Record<string, number | undefined>): string =>
      Object.entries(rates).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))[0]![0];
    expect(measured.providers.rsa).toBe(best(measured.opsPerSecond.rsa));
    expect(measured.providers.ec).toBe(best(measured.opsPerSecond.ec));
    const dataDir = await mkdtemp(join(tmpdir(), "keyhold-providers-"));
    await saveMeasuredProviders(dataDir, measured);
    expect(JSON.parse(await readFile(measuredProvidersFile(dataDir), "utf8")).providers).toEqual(measured.providers);
  });
});
