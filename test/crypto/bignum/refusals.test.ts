// Bad inputs and keys are refused with a field-named KeyholdError, never a wrong result.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyholdError } from "../../../src/errors.js";
import { bigintRsaEngine, wasmRsaEngine } from "../../../src/crypto/bignum/index.js";
import type { RsaEngine, RsaPrivateParams } from "../../../src/crypto/bignum/index.js";
import { bigIntToBytes } from "../../../src/crypto/bytes.js";
import { RSA_SIZES, loadRsaFixture } from "./rsa-fixtures.js";

function caught(run: () => unknown): KeyholdError {
  try {
    run();
  } catch (error) {
    if (error instanceof KeyholdError) return error;
    throw error;
  }
  throw new Error("expected a KeyholdError");
}

const ENGINES: readonly RsaEngine[] = [wasmRsaEngine, bigintRsaEngine];

describe.each(RSA_SIZES)("RSA-%i refusals", (bits) => {
  const fixture = loadRsaFixture(bits);
  const k = bits / 8;

  describe.each(ENGINES.map((engine) => [engine.name, engine] as const))("%s engine", (_name, engine) => {
    const privateKey = engine.preparePrivate(fixture.params);
    const publicKey = engine.preparePublic(fixture.params);

    it("refuses inputs >= n", () => {
      fc.assert(
        fc.property(fc.bigInt({ min: fixture.n, max: (1n << BigInt(bits)) - 1n }), (value) => {
          const input = bigIntToBytes(value, k);
          for (const run of [() => engine.privateOp(privateKey, input), () => engine.publicOp(publicKey, input)]) {
            const error = caught(run);
            expect(error.code).toBe("BadParameter");
            expect(error.field).toBe("input");
            expect(error.message).toBe("input: must be less than the modulus");
          }
        }),
        { numRuns: 10 },
      );
    });

    it.each([0, 1, k - 1, k + 1, 2 * k])("refuses a %i-byte input", (length) => {
      const input = new Uint8Array(length);
      for (const run of [() => engine.privateOp(privateKey, input), () => engine.publicOp(publicKey, input)]) {
        const error = caught(run);
        expect(error.code).toBe("BadParameter");
        expect(error.field).toBe("input");
      }
    });

    it("refuses a corrupted dp with InternalError instead of returning a value", () => {
      const dp = fixture.params.dp.slice();
      dp[dp.length - 1] = (dp[dp.length - 1] ?? 0) ^ 0x02;
      const corrupted = engine.preparePrivate({ ...fixture.params, dp });
      const error = caught(() => engine.privateOp(corrupted, bigIntToBytes(fixture.n - 99n, k)));
      expect(error.code).toBe("InternalError");
      expect(error.message).toBe("RSA private operation failed its consistency check");
    });

    it("refuses a corrupted qi with InternalError", () => {
      const qi = fixture.params.qi.slice();
      qi[10] = (qi[10] ?? 0) ^ 0x40;
      const corrupted = engine.preparePrivate({ ...fixture.params, qi });
      expect(caught(() => engine.privateOp(corrupted, bigIntToBytes(123456789n, k))).code).toBe("InternalError");
    });
  });
});

describe("key shapes", () => {
  const fixture = loadRsaFixture(2048);
  const withField = (name: keyof RsaPrivateParams, value: Uint8Array): RsaPrivateParams => ({
    ...fixture.params,
    [name]: value,
  });

  it.each(ENGINES.map((engine) => [engine.name, engine] as const))("%s engine names the bad field", (_name, engine) => {
    const cases: Array<[RsaPrivateParams, string]> = [
      [withField("n", fixture.params.n.subarray(1)), "key.n"],
      [withField("n", new Uint8Array(384 + 1).fill(0xff)), "key.n"],
      [withField("n", Uint8Array.from([...fixture.params.n.subarray(0, -1), 0x02])), "key.n"],
      [withField("e", Uint8Array.of(1)), "key.e"],
      [withField("e", Uint8Array.of(1, 0, 0)), "key.e"],
      [withField("p", fixture.params.p.subarray(1)), "key.p"],
      [withField("q", Uint8Array.from([...fixture.params.q.subarray(0, -1), 0x04])), "key.q"],
      [withField("dp", Uint8Array.of(1, ...fixture.params.dp)), "key.dp"],
      [withField("qi", Uint8Array.of(1, ...fixture.params.qi)), "key.qi"],
    ];
    for (const [key, field] of cases) {
      const error = caught(() => engine.preparePrivate(key));
      expect(error.code).toBe("BadParameter");
      expect(error.field).toBe(field);
    }
    const error = caught(() => engine.preparePublic({ n: new Uint8Array(128).fill(0xff), e: fixture.params.e }));
    expect(error.field).toBe("key.n");
  });

  it("refuses a handle prepared by the other engine", () => {
    const wasmKey = wasmRsaEngine.preparePrivate(fixture.params);
    const error = caught(() => bigintRsaEngine.privateOp(wasmKey, new Uint8Array(256)));
    expect(error.field).toBe("key");
  });
});
