/** `keyhold rng --count N`: random bytes from the server's CSPRNG (KeyService.GetRandomBytes). */
import { create } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { toBase64Url } from "../crypto/bytes.js";
import { badParameter } from "../errors.js";
import {
  GetRandomBytesRequestSchema,
  GetRandomBytesResponseSchema,
  KeyService,
  type GetRandomBytesRequest,
} from "../gen/keyhold/v1/key_service_pb.js";
import { printResult, runClient, withClientOptions, type ClientFlags } from "./client-options.js";

/** SPEC section 4: 1 to 128 bytes. */
const MAX_RANDOM_BYTES = 128;

export function buildRandomBytesRequest(count: string | undefined): GetRandomBytesRequest {
  const n = count !== undefined && /^\d{1,3}$/.test(count) ? Number(count) : Number.NaN;
  if (!(n >= 1 && n <= MAX_RANDOM_BYTES)) throw badParameter("--count", `must be a whole number from 1 to ${MAX_RANDOM_BYTES}`);
  return create(GetRandomBytesRequestSchema, { count: n });
}

export function registerRngCommands(program: Command): void {
  withClientOptions(program.command("rng").description("random bytes from the HSM (printed as base64url)"))
    .requiredOption("--count <n>", `how many bytes, 1 to ${MAX_RANDOM_BYTES}`)
    .action((flags: ClientFlags & { count: string }) =>
      runClient(program, flags, async (session) => {
        const response = await session.unary(KeyService.method.getRandomBytes, buildRandomBytesRequest(flags.count));
        printResult(session.options, GetRandomBytesResponseSchema, response, () => toBase64Url(response.value));
      }),
    );
}
