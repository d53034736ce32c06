/**
 * `keyhold security-domain ...`, shaped like `az keyvault security-domain`:
 * `make-keys` (offline) creates the wrapping key pairs and self-signed
 * certificates, `download` sends the certificates to the HSM and writes the
 * blob that activates it, `status` asks whether the HSM is activated, and
 * `verify-shares` (offline) opens a quorum of shares with the private keys and
 * prints the domain fingerprint they reconstruct, proving the key files and the
 * blob still recover the HSM before they are needed. Recovery into a new HSM:
 * `transfer-key` fetches the new HSM's transfer key, `restore-blob` (offline)
 * re-encrypts a quorum of shares to it, `upload` sends the result and waits
 * until the HSM reports Success or Failed.
 */
import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Option, type Command } from "commander";
import type { JsonWebKey } from "../crypto/index.js";
import { KeyholdError, badParameter } from "../errors.js";
import {
  DownloadRequestSchema,
  GetStatusRequestSchema,
  GetStatusResponseSchema,
  GetTransferKeyRequestSchema,
  SecurityDomainCertificateSchema,
  UploadRequestSchema,
  SecurityDomainService,
  type DownloadRequest,
  type SecurityDomainCertificate,
} from "../gen/keyhold/v1/security_domain_service_pb.js";
import { MAX_CERTIFICATES, MIN_CERTIFICATES } from "../hsm/security-domain/certificates.js";
import type { RestoreBlob } from "../hsm/security-domain/restore-blob.js";
import { MIN_QUORUM } from "../hsm/security-domain/shamir.js";
import {
  dataDirOf,
  printResult,
  readInputFile,
  runClient,
  wholeNumberFlag,
  withClientOptions,
  type ClientFlags,
} from "./client-options.js";

// The offline commands' share and key code is loaded by the commands that use it (`await import`), so that `status`,
// `download`, `transfer-key` and `upload` start without it.

/** Where make-keys and download write by default: inside the data dir, never in the folder the command runs in. */
export function securityDomainDirectory(dataDir: string): string {
  return join(dataDir, "security-domain");
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** A PEM certificate as the JWK with x5c that Download takes (protobuf field names). */
export function certificateJwk(flag: string, path: string, pem: string): SecurityDomainCertificate {
  const block = PEM_CERTIFICATE.exec(pem)?.[0];
  let certificate: X509Certificate;
  try {
    if (block === undefined) throw new Error("no certificate");
    certificate = new X509Certificate(block);
  } catch {
    throw badParameter(flag, `${path} holds no PEM certificate`);
  }
  const publicKey = certificate.publicKey.export({ format: "jwk" });
  if (publicKey.kty !== "RSA" || publicKey.n === undefined || publicKey.e === undefined)
    throw badParameter(flag, `${path} does not certify an RSA key`);
  const thumbprint = createHash("sha256").update(certificate.raw).digest("base64url");
  return create(SecurityDomainCertificateSchema, {
    kid: thumbprint,
    kty: "RSA",
    keyOps: ["wrapKey"],
    n: publicKey.n,
    e: publicKey.e,
    x5c: [certificate.raw.toString("base64")],
    x5tS256: thumbprint,
    alg: "RSA-OAEP-256",
    use: "enc",
  });
}

export function buildDownloadRequest(
  certificates: ReadonlyArray<{ path: string; pem: string }>,
  quorum: string | undefined,
): DownloadRequest {
  if (certificates.length < MIN_CERTIFICATES || certificates.length > MAX_CERTIFICATES) {
    throw badParameter("--sd-wrapping-keys", `give ${MIN_CERTIFICATES} to ${MAX_CERTIFICATES} certificate files`);
  }
  return create(DownloadRequestSchema, {
    certificates: certificates.map(({ path, pem }) => certificateJwk("--sd-wrapping-keys", path, pem)),
    required: wholeNumberFlag("--sd-quorum", quorum, MIN_QUORUM, certificates.length),
  });
}

/** A PEM RSA private key (PKCS #1 or #8, unencrypted) as a private JWK. */
export function privateKeyJwk(flag: string, path: string, pem: string): JsonWebKey {
  let jwk: Record<string, unknown>;
  try {
    jwk = createPrivateKey(pem).export({ format: "jwk" }) as Record<string, unknown>;
  } catch {
    // The reason is not echoed: the file holds key material.
    throw badParameter(flag, `${path} holds no unencrypted PEM private key`);
  }
  if (jwk["kty"] !== "RSA") throw badParameter(flag, `${path} is not an RSA private key`);
  return jwk as unknown as JsonWebKey;
}

export interface VerifiedShares {
  readonly hsmId: string;
  readonly domainFingerprint: string;
  readonly required: number;
  readonly shares: number;
  readonly sharesUsed: readonly number[];
}

/** Opens a quorum of the blob's shares with the private keys and checks the secret they reconstruct. */
export async function verifyShares(blobText: string, keys: ReadonlyArray<{ path: string; pem: string }>): Promise<VerifiedShares> {
  const [{ parseSecurityDomain }, { recoverDomainSecret }] = await Promise.all([
    import("../hsm/security-domain/blob.js"),
    import("../hsm/security-domain/open-shares.js"),
  ]);
  const blob = parseSecurityDomain(blobText, "--sd-file");
  const privateKeys = keys.map(({ path, pem }) => privateKeyJwk("--sd-wrapping-keys", path, pem));
  const recovered = await recoverDomainSecret(blob, privateKeys, "--sd-wrapping-keys");
  recovered.secret.fill(0);
  return {
    hsmId: blob.hsmId,
    domainFingerprint: recovered.domainFingerprint,
    required: blob.required,
    shares: blob.shares.length,
    sharesUsed: recovered.sharesUsed,
  };
}

/**
 * The restore blob of `restore-blob`: the private keys' files name them in errors (a key that opens no share says
 * which file it came from), the transfer key is the JSON that `transfer-key` wrote.
 */
export async function buildRestoreBlob(
  blobText: string,
  keys: ReadonlyArray<{ path: string; pem: string }>,
  transferKeyText: string,
): Promise<RestoreBlob> {
  const [{ parseSecurityDomain }, { makeRestoreBlob }] = await Promise.all([
    import("../hsm/security-domain/blob.js"),
    import("../hsm/security-domain/restore-blob.js"),
  ]);
  const securityDomain = parseSecurityDomain(blobText, "--sd-file");
  const privateKeys = keys.map(({ path, pem }) => privateKeyJwk("--sd-wrapping-keys", path, pem));
  let transferKey: unknown;
  try {
    transferKey = JSON.parse(transferKeyText);
  } catch {
    throw badParameter("--sd-exchange-key", "is not JSON; give the file 'keyhold security-domain transfer-key' wrote");
  }
  const keyNames = keys.map(({ path }) => `--sd-wrapping-keys ${path}`);
  try {
    return await makeRestoreBlob({ securityDomain, privateKeys, transferKey: transferKey as JsonWebKey, keyNames });
  } catch (error) {
    if (error instanceof KeyholdError && error.field?.startsWith("transfer_key")) throw badParameter("--sd-exchange-key", error.message);
    if (error instanceof KeyholdError && error.field === "private_keys") throw badParameter("--sd-wrapping-keys", error.message);
    throw error;
  }
}

/** How often `upload` asks for the outcome while it waits. */
const UPLOAD_POLL_MS = 250;
const UPLOAD_WAIT_MS = 120_000;

function readText(flag: string, path: string): string {
  return Buffer.from(readInputFile(flag, path)).toString("utf8");
}

/** Writes a file that must not exist yet: a security domain or a private key is never overwritten. */
function writeNewFile(flag: string, path: string, text: string, mode: number): void {
  try {
    writeFileSync(path, text, { flag: "wx", mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw badParameter(
      flag,
      code === "EEXIST" ? `${path} already exists; choose another file` : `cannot write ${path} (${code ?? "unwritable"})`,
    );
  }
}

/** Offline commands report failures as client commands do: one line on stderr and exit code 1. */
async function runOffline(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

function print(output: string, json: unknown, text: string): void {
  process.stdout.write(output === "json" ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
}

const outputOption = () => new Option("--output <format>", "text or json").choices(["text", "json"]).default("text");

function registerMakeKeys(program: Command, group: Command): void {
  group
    .command("make-keys")
    .description("create RSA-2048 key pairs and self-signed certificates to download a security domain to (offline)")
    .option("--count <n>", `how many key pairs, ${MIN_CERTIFICATES} to ${MAX_CERTIFICATES}`, String(MIN_CERTIFICATES))
    .option("--out-dir <dir>", "where to write certN.pem and keyN.pem (default: <data-dir>/security-domain)")
    .addOption(outputOption())
    .action((flags: { count: string; outDir?: string; output: string }) =>
      runOffline(async () => {
        const count = wholeNumberFlag("--count", flags.count, MIN_CERTIFICATES, MAX_CERTIFICATES);
        const outDir = flags.outDir ?? securityDomainDirectory(dataDirOf(program));
        mkdirSync(outDir, { recursive: true, mode: 0o700 });
        const { makeWrappingKeyPair } = await import("../hsm/security-domain/wrapping-keys.js");
        const files: { certificate: string; privateKey: string }[] = [];
        for (let i = 1; i <= count; i++) {
          const pair = await makeWrappingKeyPair(`keyhold security domain key ${i}`);
          const certificate = join(outDir, `cert${i}.pem`);
          const privateKey = join(outDir, `key${i}.pem`);
          writeNewFile("--out-dir", privateKey, pair.privateKeyPem, 0o600);
          writeNewFile("--out-dir", certificate, pair.certificatePem, 0o644);
          files.push({ certificate, privateKey });
        }
        print(flags.output, { files }, files.map((f) => `${f.certificate}  ${f.privateKey}`).join("\n"));
      }),
    );
}

function registerDownload(program: Command, group: Command): void {
  withClientOptions(group.command("download").description("download the HSM's security domain, which activates a new HSM"))
    .requiredOption("--sd-wrapping-keys <files...>", `${MIN_CERTIFICATES} to ${MAX_CERTIFICATES} PEM certificates to encrypt the shares to`)
    .requiredOption("--sd-quorum <n>", `how many private keys recover the domain (${MIN_QUORUM} to the number of certificates)`)
    .option(
      "--security-domain-file <file>",
      "where to write the security domain (must not exist; default: <data-dir>/security-domain/<hsm-name>-SD.json)",
    )
    .action((flags: ClientFlags & { sdWrappingKeys: string[]; sdQuorum: string; securityDomainFile?: string }) =>
      runClient(program, flags, async (session) => {
        const file =
          flags.securityDomainFile ?? join(securityDomainDirectory(dataDirOf(program)), `${session.options.hsmName ?? "hsm"}-SD.json`);
        if (flags.securityDomainFile === undefined)
          mkdirSync(securityDomainDirectory(dataDirOf(program)), { recursive: true, mode: 0o700 });
        // Checked before the call: the download activates the HSM, and its only copy must have somewhere to go.
        if (existsSync(file)) throw badParameter("--security-domain-file", `${file} already exists; choose another file`);
        const certificates = flags.sdWrappingKeys.map((path) => ({ path, pem: readText("--sd-wrapping-keys", path) }));
        const request = buildDownloadRequest(certificates, flags.sdQuorum);
        const response = await session.unary(SecurityDomainService.method.download, request);
        if (response.securityDomain === "") throw new KeyholdError("InternalError", "The server returned an empty security domain.");
        writeNewFile("--security-domain-file", file, response.securityDomain, 0o600);
        const summary = { securityDomainFile: file, shares: request.certificates.length, required: request.required };
        print(
          session.options.output,
          summary,
          `Security domain written to ${summary.securityDomainFile}: ${summary.shares} shares, any ${summary.required} recover it.`,
        );
      }),
    );
}

function registerStatus(program: Command, group: Command): void {
  withClientOptions(group.command("status").description("whether the HSM is activated (its security domain downloaded)")).action(
    (flags: ClientFlags) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(SecurityDomainService.method.getStatus, create(GetStatusRequestSchema, {}));
        printResult(session.options, GetStatusResponseSchema, response, () => `${response.status}: ${response.statusDetails}`);
      }),
  );
}

function registerVerifyShares(group: Command): void {
  group
    .command("verify-shares")
    .description("open a quorum of shares of a security domain with the private keys and print the domain fingerprint (offline)")
    .requiredOption("--sd-file <file>", "the security domain file")
    .requiredOption("--sd-wrapping-keys <files...>", "PEM private keys, at least the quorum")
    .addOption(outputOption())
    .action((flags: { sdFile: string; sdWrappingKeys: string[]; output: string }) =>
      runOffline(async () => {
        const keys = flags.sdWrappingKeys.map((path) => ({ path, pem: readText("--sd-wrapping-keys", path) }));
        const verified = await verifyShares(readText("--sd-file", flags.sdFile), keys);
        print(
          flags.output,
          verified,
          `The shares ${verified.sharesUsed.join(", ")} of ${verified.shares} reconstruct the domain of HSM ${verified.hsmId} (fingerprint ${verified.domainFingerprint}).`,
        );
      }),
    );
}

function registerTransferKey(program: Command, group: Command): void {
  withClientOptions(
    group.command("transfer-key").description("get the transfer key of a new, not activated HSM, to make a restore blob for it"),
  )
    .requiredOption("--output-file <file>", "where to write the transfer key (JWK JSON; must not exist)")
    .action((flags: ClientFlags & { outputFile: string }) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(SecurityDomainService.method.getTransferKey, create(GetTransferKeyRequestSchema, {}));
        if (response.transferKey === "") throw new KeyholdError("InternalError", "The server returned an empty transfer key.");
        writeNewFile("--output-file", flags.outputFile, `${response.transferKey}\n`, 0o644);
        const kid = (JSON.parse(response.transferKey) as { kid?: string }).kid ?? "";
        print(session.options.output, { outputFile: flags.outputFile, kid }, `Transfer key ${kid} written to ${flags.outputFile}.`);
      }),
    );
}

function registerRestoreBlob(group: Command): void {
  group
    .command("restore-blob")
    .description("re-encrypt a quorum of shares of a security domain to a new HSM's transfer key (offline)")
    .requiredOption("--sd-file <file>", "the downloaded security domain")
    .requiredOption("--sd-wrapping-keys <files...>", "PEM private keys, at least the quorum")
    .requiredOption("--sd-exchange-key <file>", "the transfer key written by 'transfer-key'")
    .requiredOption("--output-file <file>", "where to write the restore blob (must not exist)")
    .addOption(outputOption())
    .action((flags: { sdFile: string; sdWrappingKeys: string[]; sdExchangeKey: string; outputFile: string; output: string }) =>
      runOffline(async () => {
        const keys = flags.sdWrappingKeys.map((path) => ({ path, pem: readText("--sd-wrapping-keys", path) }));
        const blob = await buildRestoreBlob(readText("--sd-file", flags.sdFile), keys, readText("--sd-exchange-key", flags.sdExchangeKey));
        writeNewFile("--output-file", flags.outputFile, JSON.stringify(blob), 0o600);
        const summary = {
          outputFile: flags.outputFile,
          sourceHsmId: blob.sourceHsmId,
          domainFingerprint: blob.domainFingerprint,
          shares: blob.shares.map((s) => s.x),
          transferKey: blob.transferKeyThumbprint,
        };
        print(
          flags.output,
          summary,
          `Restore blob written to ${summary.outputFile}: shares ${summary.shares.join(", ")} of HSM ${summary.sourceHsmId}, for transfer key ${summary.transferKey}.`,
        );
      }),
    );
}

function registerUpload(program: Command, group: Command): void {
  withClientOptions(group.command("upload").description("give a new HSM the security domain of a restore blob, which activates it"))
    .requiredOption("--sd-file <file>", "the restore blob written by 'restore-blob'")
    .option("--no-wait", "return once the upload is accepted, without waiting for its end")
    .action((flags: ClientFlags & { sdFile: string; wait: boolean }) =>
      runClient(program, flags, async (session) => {
        const request = create(UploadRequestSchema, { securityDomain: readText("--sd-file", flags.sdFile) });
        let response: { status: string; statusDetails: string } = await session.unary(SecurityDomainService.method.upload, request);
        const deadline = Date.now() + UPLOAD_WAIT_MS;
        while (flags.wait && response.status === "InProgress") {
          if (Date.now() > deadline)
            throw new KeyholdError("Unavailable", "The upload is still in progress; ask again with 'keyhold security-domain status'.");
          await new Promise((resolve) => setTimeout(resolve, UPLOAD_POLL_MS));
          response = await session.unary(SecurityDomainService.method.getStatus, create(GetStatusRequestSchema, {}));
        }
        if (response.status === "Failed") throw new KeyholdError("OperationNotAllowed", `The upload failed: ${response.statusDetails}`);
        const result = { status: response.status, statusDetails: response.statusDetails };
        print(session.options.output, result, `${result.status}: ${result.statusDetails}`);
      }),
    );
}

export function registerSecurityDomainCommands(program: Command): void {
  const group = program.command("security-domain").description("the HSM's security domain: activation and recovery keys");
  registerMakeKeys(program, group);
  registerDownload(program, group);
  registerStatus(program, group);
  registerVerifyShares(group);
  registerTransferKey(program, group);
  registerRestoreBlob(group);
  registerUpload(program, group);
}
