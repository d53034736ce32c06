/**
 * The seed's example (shared/seeds/000_c860921fd73b866b.txt): security team = Managed HSM Administrator,
 * auditors = Crypto Auditor, the application's managed identity = Crypto User, the storage account's identity =
 * Crypto Service Encryption User, all at "/". The expected table is written out by hand from
 * reference/azure-managed-hsm.md section 2.2, not derived from the code's role table.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BUILT_IN_ROLES, DATA_ACTIONS, decide, hsmScopeRule } from "../../src/authz/index.js";
import { assignment } from "./helpers.js";

const ADMINISTRATOR = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/a290e904-7015-4bba-90c8-60543313cdb4";
const AUDITOR = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/2c18b078-7c48-4d3a-af88-5a3a1b3f82b3";
const CRYPTO_USER = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/21dbd100-6940-42c2-9190-5d6cb909625b";
const SERVICE_ENCRYPTION = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/33413926-3206-4cdd-b39a-83574fe37a17";

const Y = true;
const N = false;
// [action, security team member, auditor, application identity, storage identity]
const EXPECTED: ReadonlyArray<readonly [string, boolean, boolean, boolean, boolean]> = [
  ["Microsoft.KeyVault/managedHsm/keys/read/action", N, Y, Y, Y],
  ["Microsoft.KeyVault/managedHsm/keys/write/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/deletedKeys/read/action", N, N, N, N],
  ["Microsoft.KeyVault/managedHsm/keys/deletedKeys/recover/action", N, N, N, N],
  ["Microsoft.KeyVault/managedHsm/keys/backup/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/restore/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/roleAssignments/delete/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/roleAssignments/read/action", Y, Y, Y, N],
  ["Microsoft.KeyVault/managedHsm/roleAssignments/write/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/roleDefinitions/read/action", Y, Y, Y, N],
  ["Microsoft.KeyVault/managedHsm/roleDefinitions/write/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/roleDefinitions/delete/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/keys/encrypt/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/decrypt/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/wrap/action", N, N, Y, Y],
  ["Microsoft.KeyVault/managedHsm/keys/unwrap/action", N, N, Y, Y],
  ["Microsoft.KeyVault/managedHsm/keys/sign/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/verify/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/create", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/delete", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/export/action", N, N, N, N],
  ["Microsoft.KeyVault/managedHsm/keys/release/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/import/action", N, N, Y, N],
  ["Microsoft.KeyVault/managedHsm/keys/deletedKeys/delete", N, Y, N, N],
  ["Microsoft.KeyVault/managedHsm/securitydomain/download/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/securitydomain/download/read", N, N, N, N],
  ["Microsoft.KeyVault/managedHsm/securitydomain/upload/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/securitydomain/upload/read", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/securitydomain/transferkey/read", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/backup/start/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/restore/start/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/backup/status/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/restore/status/action", Y, N, N, N],
  ["Microsoft.KeyVault/managedHsm/rng/action", N, N, N, N],
  ["Microsoft.KeyVault/managedHsm/keys/rotate/action", N, N, Y, N],
];

describe("seed example: the documented allow/deny table for every data action", () => {
  const securityTeam = randomUUID();
  const alice = randomUUID(); // a member of the security team group
  const auditors = randomUUID();
  const bob = randomUUID(); // a member of the auditors group
  const appIdentity = randomUUID();
  const storageIdentity = randomUUID();
  const developer = randomUUID(); // developers and operators: no data-plane role
  const state = {
    definitions: BUILT_IN_ROLES,
    assignments: [
      assignment(securityTeam, ADMINISTRATOR),
      assignment(auditors, AUDITOR),
      assignment(appIdentity, CRYPTO_USER),
      assignment(storageIdentity, SERVICE_ENCRYPTION),
    ],
  };
  const callers: ReadonlyArray<readonly [string, readonly string[]]> = [
    ["security team member", [alice, securityTeam]],
    ["auditor", [bob, auditors]],
    ["application identity", [appIdentity]],
    ["storage identity", [storageIdentity]],
  ];

  it("covers every known data action exactly once", () => {
    expect(EXPECTED.map(([action]) => action).sort()).toEqual([...DATA_ACTIONS].sort());
  });

  for (const target of ["/", "/keys", "/keys/app-signing-key"]) {
    it(`yields the table at target ${target}`, () => {
      const actual = EXPECTED.map(([action]) => [
        action,
        ...callers.map(
          ([, principalIds]) => decide({ principalIds, action, target }, state, { rule: hsmScopeRule, plane: "data" }).allowed,
        ),
      ]);
      expect(actual).toEqual(EXPECTED.map((row) => [...row]));
      for (const [action] of EXPECTED) {
        const developerDecision = decide({ principalIds: [developer], action, target }, state, {
          rule: hsmScopeRule,
          plane: "data",
        });
        expect(developerDecision.allowed).toBe(false);
      }
    });
  }
});
