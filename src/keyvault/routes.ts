/**
 * The Key Vault REST data plane (SPEC section 13) as routes over the operations table: each route names the
 * operation gRPC also binds, maps Key Vault's path and JSON body to its input (request-body.ts) and its result to
 * Key Vault's JSON (key-json.ts). The pipeline authorizes and audits; nothing else happens here.
 *
 * Every route requires `api-version`, finds the HSM by host name, answers a token-less request with the 401
 * challenge before reading its body, and answers errors with Key Vault's codes.
 */
import type { cryptoOperations } from "../hsm/operations/crypto.js";
import type { keyOperations } from "../hsm/operations/keys.js";
import type { OperationRoute, RouteResponse } from "../pipeline/http-route.js";
import { badParameter } from "../errors.js";
import { checkKeyVaultApiVersion } from "./api-version.js";
import { hsmOfHost } from "./host.js";
import { keyVaultErrorCode } from "./key-vault-errors.js";
import { base64urlOf, deletedKeyJson, keyBundleJson, keyItemJson, onOrigin, pageJson, rotationPolicyJson } from "./key-json.js";
import {
  algorithmOf,
  attributesOf,
  base64url,
  bodyOf,
  optionalBase64url,
  optionalList,
  pageOf,
  refuseReleasePolicy,
  rotationPolicyOf,
  versionOf,
} from "./request-body.js";

/** The operations this door serves, with their names and result types as the HSM's operation modules declare them. */
type KeyVaultOperation = ReturnType<typeof keyOperations>[number] | ReturnType<typeof cryptoOperations>[number];
type OperationName = KeyVaultOperation["name"];
type ResultOf<N extends OperationName> = Awaited<ReturnType<Extract<KeyVaultOperation, { readonly name: N }>["execute"]>>;

type Raw = Readonly<Record<string, unknown>>;
type Method = OperationRoute["method"];

const named = (raw: Raw) => ({ name: raw["name"] });
const namedVersion = (raw: Raw) => ({ name: raw["name"], version: versionOf(raw) });

/** The request parts every crypto operation shares: key, version and algorithm. */
const keyOperation = (raw: Raw) => ({ ...namedVersion(raw), algorithm: algorithmOf(bodyOf(raw)) });

/** `{kid, value}`: the result of sign, decrypt, wrap and unwrap. */
const kidAndValue = (kid: string, value: Uint8Array, origin: string) => ({ kid: onOrigin(kid, origin), value: base64urlOf(value) });

/** RSA keys are made with e = 65537 (SPEC section 4), the only exponent Key Vault's public_exponent may name here. */
const RSA_PUBLIC_EXPONENT = 65537;

function createBody(raw: Raw) {
  const body = bodyOf(raw);
  refuseReleasePolicy(body);
  const exponent = body["public_exponent"];
  if (exponent !== undefined && exponent !== null && exponent !== RSA_PUBLIC_EXPONENT) {
    throw badParameter("public_exponent", `must be ${RSA_PUBLIC_EXPONENT}`);
  }
  return {
    name: raw["name"],
    kty: body["kty"],
    keySize: body["key_size"],
    crv: body["crv"],
    keyOps: optionalList(body, "key_ops"),
    attributes: attributesOf(body),
    tags: body["tags"],
  };
}

function importBody(raw: Raw) {
  const body = bodyOf(raw);
  refuseReleasePolicy(body);
  return { name: raw["name"], key: body["key"], attributes: attributesOf(body), tags: body["tags"] };
}

/** PATCH: a field left out is unchanged; the operation takes the parts to change wrapped as `{ values }`. */
function updateBody(raw: Raw) {
  const body = bodyOf(raw);
  refuseReleasePolicy(body);
  const keyOps = optionalList(body, "key_ops");
  const tags = body["tags"];
  return {
    ...namedVersion(raw),
    attributes: attributesOf(body),
    ...(keyOps === undefined ? {} : { keyOps: { values: keyOps } }),
    ...(tags === undefined || tags === null ? {} : { tags: { values: tags } }),
  };
}

/** Every route of the door shares these: api-version, host addressing, the early challenge, Key Vault's codes. */
function keyVaultRoute<N extends OperationName>(
  method: Method,
  url: string,
  operation: N,
  fromRequest: (raw: Raw) => unknown,
  toJson: ((result: ResultOf<N>, origin: string, raw: Raw) => unknown) | undefined,
  hsmOf: (hostname: string) => string | undefined,
): OperationRoute {
  const respond = (result: unknown, origin: string, raw: Raw = {}): RouteResponse =>
    // The table is typed by name only at run time: the route is mounted on the operation named `operation`, whose
    // result ResultOf<N> was read from (as in the gRPC bindings).
    toJson === undefined ? { status: 204, body: undefined } : { status: 200, body: toJson(result as ResultOf<N>, origin, raw) };
  return Object.freeze({
    method,
    url,
    operation,
    respond,
    fromRequest,
    errorCode: keyVaultErrorCode,
    checkRequest: (raw: Raw) => checkKeyVaultApiVersion(raw["api-version"]),
    hsmOfHost: hsmOf,
    challengeBeforeBody: true,
  });
}

/** The crypto operations' paths: `/keys/{name}/{version}/{op}`, and `/keys/{name}//{op}` for the latest version. */
const withVersion = (op: string): string[] => [`/keys/:name/:version/${op}`, `/keys/:name//${op}`];

export function keyVaultRoutes(options: { readonly dnsSuffix: string }): readonly OperationRoute[] {
  const hsmOf = hsmOfHost(options.dnsSuffix);
  const route = <N extends OperationName>(
    method: Method,
    urls: string | readonly string[],
    operation: N,
    fromRequest: (raw: Raw) => unknown,
    toJson: ((result: ResultOf<N>, origin: string, raw: Raw) => unknown) | undefined,
  ): OperationRoute[] => [urls].flat().map((url) => keyVaultRoute(method, url, operation, fromRequest, toJson, hsmOf));

  return Object.freeze([
    ...route("POST", "/keys/:name/create", "KeyCreate", createBody, keyBundleJson),
    ...route("PUT", "/keys/:name", "KeyImport", importBody, keyBundleJson),
    ...route("GET", ["/keys/:name", "/keys/:name/", "/keys/:name/:version"], "KeyGet", namedVersion, keyBundleJson),
    ...route("PATCH", ["/keys/:name", "/keys/:name/", "/keys/:name/:version"], "KeyUpdate", updateBody, keyBundleJson),
    ...route("GET", "/keys", "KeyList", pageOf, (page, origin, raw) =>
      pageJson(page, origin, "/keys", raw, (item) => keyItemJson(item, origin, true)),
    ),
    ...route(
      "GET",
      "/keys/:name/versions",
      "KeyListVersions",
      (raw) => ({ ...named(raw), ...pageOf(raw) }),
      (page, origin, raw) => pageJson(page, origin, `/keys/${String(raw["name"])}/versions`, raw, (item) => keyItemJson(item, origin)),
    ),
    ...route("DELETE", "/keys/:name", "KeyDelete", named, (deleted, origin) => deletedKeyJson(deleted, origin, keyBundleJson)),
    ...route("GET", "/deletedkeys/:name", "KeyGetDeleted", named, (deleted, origin) => deletedKeyJson(deleted, origin, keyBundleJson)),
    ...route("GET", "/deletedkeys", "KeyListDeleted", pageOf, (page, origin, raw) =>
      pageJson(page, origin, "/deletedkeys", raw, (deleted) => deletedKeyJson(deleted, origin, (item) => keyItemJson(item, origin, true))),
    ),
    ...route("POST", "/deletedkeys/:name/recover", "KeyRecover", named, keyBundleJson),
    ...route("DELETE", "/deletedkeys/:name", "KeyPurge", named, undefined),
    ...route("POST", "/keys/:name/backup", "KeyBackup", named, (backup) => ({ value: base64urlOf(backup.value) })),
    ...route("POST", "/keys/restore", "KeyRestore", (raw) => ({ value: base64url(bodyOf(raw), "value") }), keyBundleJson),
    ...route("POST", "/keys/:name/rotate", "KeyRotate", named, keyBundleJson),
    ...route("GET", "/keys/:name/rotationpolicy", "KeyRotationPolicyGet", named, rotationPolicyJson),
    ...route(
      "PUT",
      "/keys/:name/rotationpolicy",
      "KeyRotationPolicySet",
      (raw) => ({ ...named(raw), policy: rotationPolicyOf(bodyOf(raw)) }),
      rotationPolicyJson,
    ),
    ...route(
      "POST",
      "/rng",
      "RandomBytes",
      (raw) => ({ count: bodyOf(raw)["count"] }),
      (random) => ({ value: base64urlOf(random.value) }),
    ),

    ...route(
      "POST",
      withVersion("sign"),
      "KeySign",
      (raw) => ({ ...keyOperation(raw), digest: base64url(bodyOf(raw), "value") }),
      (result, origin) => kidAndValue(result.kid, result.signature, origin),
    ),
    ...route(
      "POST",
      withVersion("verify"),
      "KeyVerify",
      (raw) => {
        const body = bodyOf(raw);
        return { ...keyOperation(raw), digest: base64url(body, "digest"), signature: base64url(body, "value") };
      },
      // A well-formed signature that does not verify is 200 {"value": false}, as in Key Vault.
      (result) => ({ value: result.valid }),
    ),
    ...route(
      "POST",
      withVersion("encrypt"),
      "KeyEncrypt",
      (raw) => {
        const body = bodyOf(raw);
        return {
          ...keyOperation(raw),
          plaintext: base64url(body, "value"),
          iv: optionalBase64url(body, "iv"),
          aad: optionalBase64url(body, "aad"),
        };
      },
      (result, origin) => ({
        ...kidAndValue(result.kid, result.ciphertext, origin),
        ...(result.iv === undefined ? {} : { iv: base64urlOf(result.iv) }),
        ...(result.tag === undefined ? {} : { tag: base64urlOf(result.tag) }),
      }),
    ),
    ...route(
      "POST",
      withVersion("decrypt"),
      "KeyDecrypt",
      (raw) => {
        const body = bodyOf(raw);
        return {
          ...keyOperation(raw),
          ciphertext: base64url(body, "value"),
          iv: optionalBase64url(body, "iv"),
          aad: optionalBase64url(body, "aad"),
          tag: optionalBase64url(body, "tag"),
        };
      },
      (result, origin) => kidAndValue(result.kid, result.plaintext, origin),
    ),
    ...route(
      "POST",
      withVersion("wrapkey"),
      "KeyWrap",
      (raw) => ({ ...keyOperation(raw), key: base64url(bodyOf(raw), "value") }),
      (result, origin) => kidAndValue(result.kid, result.wrappedKey, origin),
    ),
    ...route(
      "POST",
      withVersion("unwrapkey"),
      "KeyUnwrap",
      (raw) => ({ ...keyOperation(raw), wrappedKey: base64url(bodyOf(raw), "value") }),
      (result, origin) => kidAndValue(result.kid, result.key, origin),
    ),
  ]);
}
