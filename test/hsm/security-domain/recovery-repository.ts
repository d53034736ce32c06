/**
 * A SecurityDomainRecoveryRepository for tests until the store implements it:
 * transfer keys and outcomes in memory, keys and the domain secret in the real
 * store. It can install a domain secret only where the store holds none (an
 * HSM created in a test, never used), which is the case it is used for; a
 * `gate` holds the install so a test can watch an upload in progress.
 */
import type { SecurityDomainRecoveryRepository, UploadOutcome } from "../../../src/hsm/security-domain/recovery-repository.js";
import type { Store } from "../../../src/store/index.js";

export class TestRecoveryRepository implements SecurityDomainRecoveryRepository {
  readonly transferKeys = new Map<string, Uint8Array>();
  readonly outcomes = new Map<string, UploadOutcome>();
  /** When set, the install waits for it. */
  gate: Promise<void> | undefined;
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async getSealedTransferKey(hsmId: string): Promise<Uint8Array | undefined> {
    return this.transferKeys.get(hsmId);
  }

  async insertSealedTransferKey(hsmId: string, sealed: Uint8Array): Promise<boolean> {
    if (this.transferKeys.has(hsmId)) return false;
    this.transferKeys.set(hsmId, sealed);
    return true;
  }

  async deleteTransferKey(hsmId: string): Promise<boolean> {
    return this.transferKeys.delete(hsmId);
  }

  async getUploadOutcome(hsmId: string): Promise<UploadOutcome | undefined> {
    return this.outcomes.get(hsmId);
  }

  async putUploadOutcome(hsmId: string, outcome: UploadOutcome): Promise<void> {
    this.outcomes.set(hsmId, outcome);
  }

  async hasKeys(hsmId: string): Promise<boolean> {
    return (await this.#store.keys.listKeys(hsmId, "active")).length + (await this.#store.keys.listKeys(hsmId, "deleted")).length > 0;
  }

  async replaceSealedDomainSecretIfNoKeys(hsmId: string, sealed: Uint8Array, now: number): Promise<boolean> {
    await this.gate;
    if (await this.hasKeys(hsmId)) return false;
    if (!(await this.#store.keys.insertSealedDomainSecret(hsmId, sealed, now))) {
      throw new Error("the test repository cannot replace a domain secret the store already holds");
    }
    return true;
  }
}
