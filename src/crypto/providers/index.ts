/**
 * Which provider serves each algorithm family. The defaults can be changed
 * once at start-up by configuration (the server passes what `keyhold bench`
 * measured fastest for `auto`); a call may also name a provider explicitly.
 */
import { badParameter } from "../../errors.js";
import { nativeEcProvider } from "../ec/native.js";
import { nobleEcProvider } from "../ec/noble.js";
import { nativeRsaProvider } from "./native-rsa.js";
import type { EcProvider, ProviderName, RsaProvider } from "./types.js";
import { wasmRsaProvider } from "./wasm-rsa.js";

export type { EcProvider, ProviderName, RsaProvider } from "./types.js";

export type ProviderFamily = "rsa" | "ec";

const RSA_PROVIDERS: Readonly<Record<string, RsaProvider>> = Object.assign(Object.create(null) as Record<string, RsaProvider>, {
  native: nativeRsaProvider,
  wasm: wasmRsaProvider,
});

const EC_PROVIDERS: Readonly<Record<string, EcProvider>> = Object.assign(Object.create(null) as Record<string, EcProvider>, {
  native: nativeEcProvider,
  noble: nobleEcProvider,
});

export const PROVIDERS_BY_FAMILY: Readonly<Record<ProviderFamily, readonly ProviderName[]>> = Object.freeze({
  rsa: Object.keys(RSA_PROVIDERS) as ProviderName[],
  ec: Object.keys(EC_PROVIDERS) as ProviderName[],
});

const defaults: Record<ProviderFamily, ProviderName> = { rsa: "native", ec: "native" };

/** Sets the provider used when a call names none. */
export function setDefaultProvider(family: ProviderFamily, name: string): void {
  if (!PROVIDERS_BY_FAMILY[family].includes(name as ProviderName)) {
    throw badParameter(`providers.${family}`, `must be one of ${PROVIDERS_BY_FAMILY[family].join(", ")}`);
  }
  defaults[family] = name as ProviderName;
}

export function defaultProviders(): Readonly<Record<ProviderFamily, ProviderName>> {
  return { ...defaults };
}

export function rsaProvider(name?: string): RsaProvider {
  const provider = RSA_PROVIDERS[name ?? defaults.rsa];
  if (provider === undefined) throw badParameter("provider", `RSA algorithms run on ${PROVIDERS_BY_FAMILY.rsa.join(" or ")}`);
  return provider;
}

export function ecProvider(name?: string): EcProvider {
  const provider = EC_PROVIDERS[name ?? defaults.ec];
  if (provider === undefined) throw badParameter("provider", `EC algorithms run on ${PROVIDERS_BY_FAMILY.ec.join(" or ")}`);
  return provider;
}
