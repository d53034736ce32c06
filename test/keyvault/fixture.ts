/**
 * One in-process keyhold node for the Key Vault door's tests, with three callers: `officer` (Crypto Officer and
 * Crypto User at `/`), `remote` (a custom role that may use keys but not read them: the SDK's CryptographyClient
 * then cannot fetch the public key and does every operation on the server; it may also ask for random bytes) and `stranger` (no role at all).
 */
import { MANAGED_HSM_CRYPTO_OFFICER, MANAGED_HSM_CRYPTO_USER } from "../../src/authz/index.js";
import { AccessControlService } from "../../src/gen/keyhold/v1/access_control_service_pb.js";
import { startTestServer, type TestServer } from "../integration/server.js";
import { hsmAgent } from "./helpers.js";

const USE_WITHOUT_READ = "5e1d0000-0000-4000-8000-00000000a11c";

export interface KeyVaultFixture {
  readonly server: TestServer;
  readonly agent: ReturnType<typeof hsmAgent>;
  readonly officer: string;
  readonly remote: string;
  readonly stranger: string;
}

/** `pool` sizes the node's worker pool (the throttling test wants one worker and a queue of one). */
export async function startKeyVaultFixture(pool: { threads?: number; maxQueue?: number } = {}): Promise<KeyVaultFixture> {
  const server = await startTestServer({ threads: 2, ...pool });
  const adminToken = await server.token(server.admin);
  const assign = (roleDefinitionId: string, principalId: string) =>
    server.call(
      server.access,
      AccessControlService,
      "createRoleAssignment",
      { scope: "/", roleDefinitionId, principalId },
      server.metadata(adminToken),
    );
  // The three users at once: each costs a scrypt password hash, seconds on a busy machine.
  const [officer, remote, stranger] = await Promise.all(["kv-officer", "kv-remote", "kv-stranger"].map((name) => server.user(name)));
  for (const role of [MANAGED_HSM_CRYPTO_USER.id, MANAGED_HSM_CRYPTO_OFFICER.id]) await assign(role, officer!.id);
  await server.call(
    server.access,
    AccessControlService,
    "setRoleDefinition",
    {
      scope: "/",
      name: USE_WITHOUT_READ,
      roleDefinition: {
        roleName: "Key user without read",
        type: "CustomRole",
        assignableScopes: ["/"],
        permissions: [
          {
            dataActions: [
              ...["sign", "verify", "encrypt", "decrypt", "wrap", "unwrap"].map(
                (action) => `Microsoft.KeyVault/managedHsm/keys/${action}/action`,
              ),
              // No built-in role grants random bytes (src/authz/built-in-roles.ts).
              "Microsoft.KeyVault/managedHsm/rng/action",
            ],
          },
        ],
      },
    },
    server.metadata(adminToken),
  );
  await assign(USE_WITHOUT_READ, remote!.id);
  return {
    server,
    agent: hsmAgent(server),
    officer: await server.token(officer!),
    remote: await server.token(remote!),
    stranger: await server.token(stranger!),
  };
}

/** How many successful calls of `operation` came through the HTTPS door (the audit journal of hsm-a). */
export async function httpsSuccesses(server: TestServer, operation: string): Promise<number> {
  const events = await server.events("hsm-a");
  return events.filter((e) => e.operationName === operation && e.resultType === "Success" && e.properties["requestUri"] !== undefined)
    .length;
}
