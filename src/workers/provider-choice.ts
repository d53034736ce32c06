/**
 * Which provider serves each algorithm family: `native`, `wasm` (RSA),
 * `noble` (EC), or `auto`, which takes what `keyhold bench` measured fastest
 * on this machine (cached in the data dir) and falls back to native.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Bench } from "tinybench";
import { PROVIDERS_BY_FAMILY, sign, verify, type JsonWebKey, type ProviderFamily, type ProviderName } from "../crypto/index.js";

type ProviderChoice = ProviderName | "auto";
export type ProviderConfig = Readonly<Record<ProviderFamily, ProviderChoice>>;
export type ResolvedProviders = { readonly rsa: ProviderName; readonly ec: ProviderName };

const FALLBACK: ResolvedProviders = { rsa: "native", ec: "native" };

export interface MeasuredProviders {
  readonly providers: ResolvedProviders;
  readonly measuredAt: string;
  /**
   * Rounds per second of each provider's measured work, by family: RSA, one PS256 sign; EC, one ES256 sign and
   * one verify of it (the providers differ most in verify: native's is OpenSSL's multiplications, noble's JavaScript).
   */
  readonly opsPerSecond: Readonly<Record<ProviderFamily, Readonly<Partial<Record<ProviderName, number>>>>>;
}

export function measuredProvidersFile(dataDir: string): string {
  return join(dataDir, "bench", "providers.json");
}

async function readMeasured(dataDir: string): Promise<MeasuredProviders | undefined> {
  try {
    const parsed = JSON.parse(await readFile(measuredProvidersFile(dataDir), "utf8")) as MeasuredProviders;
    return parsed.providers !== undefined ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Turns the configuration into concrete providers; `auto` without a measurement is native. */
export async function resolveProviders(config: ProviderConfig, dataDir: string): Promise<ResolvedProviders> {
  const measured = Object.values(config).includes("auto") ? await readMeasured(dataDir) : undefined;
  const pick = (family: ProviderFamily): ProviderName => {
    const choice = config[family];
    if (choice !== "auto") return choice;
    const fastest = measured?.providers[family];
    return fastest !== undefined && PROVIDERS_BY_FAMILY[family].includes(fastest) ? fastest : FALLBACK[family];
  };
  return { rsa: pick("rsa"), ec: pick("ec") };
}

/** Measures each provider (RSA-2048 PS256 sign; P-256 ES256 sign and verify) in one run and picks the fastest. */
export async function measureProviders(keys: { rsa: JsonWebKey; ec: JsonWebKey }, timeMs = 500): Promise<MeasuredProviders> {
  const digest = new Uint8Array(createHash("sha256").update("keyhold provider measurement").digest());
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs) });
  for (const provider of PROVIDERS_BY_FAMILY.rsa) bench.add(`rsa:${provider}`, () => sign("PS256", keys.rsa, digest, { provider }));
  for (const provider of PROVIDERS_BY_FAMILY.ec) {
    bench.add(`ec:${provider}`, async () =>
      verify("ES256", keys.ec, digest, await sign("ES256", keys.ec, digest, { provider }), { provider }),
    );
  }
  await bench.run();
  const opsPerSecond: Record<ProviderFamily, Partial<Record<ProviderName, number>>> = { rsa: {}, ec: {} };
  for (const task of bench.tasks) {
    const [family, provider] = task.name.split(":") as [ProviderFamily, ProviderName];
    const result = task.result;
    if (result.state === "completed") opsPerSecond[family][provider] = result.throughput.mean;
  }
  const fastest = (family: ProviderFamily): ProviderName =>
    (Object.entries(opsPerSecond[family]) as [ProviderName, number][]).sort((a, b) => b[1] - a[1])[0]?.[0] ?? FALLBACK[family];
  return { providers: { rsa: fastest("rsa"), ec: fastest("ec") }, measuredAt: new Date().toISOString(), opsPerSecond };
}

export async function saveMeasuredProviders(dataDir: string, measured: MeasuredProviders): Promise<string> {
  const file = measuredProvidersFile(dataDir);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(measured, null, 2) + "\n");
  return file;
}
