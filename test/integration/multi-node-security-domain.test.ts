/**
 * Consistency across nodes for an HSM's security domain (SPEC section 14, issue 13): two nodes on one PostgreSQL
 * database. A security domain uploaded through node 1 into an HSM declared in configuration is the domain node 2 uses
 * on its next call, although node 2 had the HSM's previous domain in its cache.
 */
import { afterAll, describe, expect, it } from "vitest";
import { buildDownloadRequest, buildRestoreBlob } from "../../src/cli/security-domain.js";
import { CryptoService } from "../../src/gen/keyhold/v1/crypto_service_pb.js";
import { KeyService } from "../../src/gen/keyhold/v1/key_service_pb.js";
import { SecurityDomainService } from "../../src/gen/keyhold/v1/security_domain_service_pb.js";
import { wrappingFixtures } from "../hsm/security-domain/fixtures.js";
import { countQueries, createKey, digest, outcome, sign, twoNodesAndUser, type Caller } from "./node-calls.js";
import type { PgCluster } from "./pg-cluster.js";
import type { TestServer } from "./server.js";

const clusters: PgCluster[] = [];
afterAll(async () => {
  for (const cluster of clusters) await cluster.close();
});

/** Calls of SecurityDomainService on one node, as one HSM's administrator. */
function securityDomainCalls(node: TestServer, adminToken: string, hsm: string) {
  const client = node.client(SecurityDomainService);
  return <T>(method: string, request: unknown): Promise<T> =>
    node.call(client, SecurityDomainService, method, request as never, node.metadata(adminToken, hsm)) as Promise<T>;
}

describe("nodes on one PostgreSQL database and an HSM declared in configuration", () => {
  it("use on every node the security domain uploaded through one, whatever domain they had cached", async () => {
    const { first, second, adminToken, token } = await twoNodesAndUser(clusters, ["hsm-a", "hsm-b"]);
    const onA: Caller = { token, hsm: "hsm-a" };
    const onB: Caller = { token, hsm: "hsm-b" };
    const metadataB = second.metadata(token, "hsm-b");

    // Node 2 has served hsm-b (its domain keys are in node 2's cache); then hsm-b is emptied again.
    await createKey(second, onB, "scratch");
    await second.call(second.keys, KeyService, "deleteKey", { name: "scratch" } as never, metadataB);
    await second.call(second.keys, KeyService, "purgeDeletedKey", { name: "scratch" } as never, metadataB);
    // hsm-b stands for a new HSM awaiting recovery (configuration declares HSMs activated; its stored activation says
    // NotActivated, as for an HSM the management plane just created).
    const hsmB = await first.node.hsms.resolve("hsm-b");
    await first.node.store.management.putConfiguredHsmActivation(hsmB.id, "NotActivated", Date.now());

    // hsm-a holds a key, and its security domain is downloaded to three key pairs, any two of which recover it.
    await createKey(first, onA, "payments");
    const backup = (
      (await first.call(first.keys, KeyService, "backupKey", { name: "payments" } as never, first.metadata(token, "hsm-a"))) as unknown as {
        value: Uint8Array;
      }
    ).value;
    const onNode1A = securityDomainCalls(first, adminToken, "hsm-a");
    const onNode1B = securityDomainCalls(first, adminToken, "hsm-b");
    const keyPairs = wrappingFixtures(3);
    const download = buildDownloadRequest(
      keyPairs.map((pair, i) => ({ path: `cert${i + 1}.pem`, pem: pair.certificatePem })),
      "2",
    );
    const { securityDomain } = await onNode1A<{ securityDomain: string }>("download", download);

    // hsm-b receives hsm-a's domain through node 1.
    const { transferKey } = await onNode1B<{ transferKey: string }>("getTransferKey", {});
    const restoreBlob = await buildRestoreBlob(
      securityDomain,
      [0, 2].map((i) => ({ path: `key${i + 1}.pem`, pem: keyPairs[i]!.privateKeyPem })),
      transferKey,
    );
    let status = await onNode1B<{ status: string; statusDetails: string }>("upload", { securityDomain: JSON.stringify(restoreBlob) });
    for (let polls = 0; status.status === "InProgress" && polls < 1500; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = await onNode1B("getStatus", {});
    }
    expect(status).toMatchObject({ status: "Success" });

    // Node 2's next calls use hsm-b's new domain: hsm-a's key backup opens in hsm-b and signs as in hsm-a ...
    expect(await outcome(second.call(second.keys, KeyService, "restoreKey", { value: backup } as never, metadataB))).toBe("ok");
    const signature = await sign(second, onB, "payments");
    const verified = await first.call(
      first.crypto,
      CryptoService,
      "verify",
      { name: "payments", algorithm: "ES256", digest, signature } as never,
      first.metadata(token, "hsm-a"),
    );
    expect(verified).toMatchObject({ valid: true });
    // ... and a key node 2 creates is sealed under it: node 1 (which holds only the new domain) opens it.
    await createKey(second, onB, "made-on-node-2");
    expect(await outcome(sign(first, onB, "made-on-node-2"))).toBe("ok");

    // The check costs no read of the secret when nothing changed: node 2's next ten calls that use hsm-b's domain
    // (key backups) read none, but after PostgreSQL's late announcement of an earlier commit (each empties the cache).
    let hints = 0;
    second.node.store.onGenerationHint(() => hints++);
    const backupOnSecond = () => second.call(second.keys, KeyService, "backupKey", { name: "payments" } as never, metadataB);
    const hintsBefore = hints;
    await backupOnSecond();
    const secretReads = await countQueries("hsm_domain_secrets", async () => {
      for (let i = 0; i < 10; i++) await backupOnSecond();
    });
    expect(secretReads).toBeLessThanOrEqual(hints - hintsBefore);
    // A change through node 1 (any: it moves the generation) and node 2 reads the secret again on its next such call.
    await createKey(first, onA, "moves-the-generation");
    expect(await countQueries("hsm_domain_secrets", backupOnSecond)).toBe(1);
  });
});
