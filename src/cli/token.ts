import { Option, type Command } from "commander";
import { KeyholdError, badParameter } from "../errors.js";
import { issuerSettings } from "../identity/issuer-settings.js";
import { parsePlane } from "../identity/planes.js";
import { TokenIssuer } from "../identity/token-issuer.js";
import { chooseTenant, withDirectory } from "./directory.js";
import { DEFAULT_LISTEN } from "../config/defaults.js";
import { liveServerEndpoints } from "../endpoints-file.js";

/** The HTTPS listener's default address (SPEC section 2); the issuer URL must match what the server verifies. */
const DEFAULT_ISSUER_URL = `https://${DEFAULT_LISTEN.https}`;

const TTL_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "3600", "90s", "15m", "1h", "1d" to seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d{1,6})([smhd]?)$/.exec(text.trim());
  if (match === null) throw badParameter("--ttl", "must be a number with an optional unit s, m, h or d (e.g. 1h)");
  return Number(match[1]) * (TTL_UNITS[match[2] || "s"] ?? 1);
}

/**
 * `keyhold token`: the operator's break-glass tool. Mints a token with the
 * issuer key of the data dir and prints only the token.
 */
export function registerTokenCommand(program: Command): void {
  program
    .command("token")
    .description("mint an access token for a principal with the local issuer's key (prints only the token)")
    .requiredOption("--principal <name|object-id>", "user, service principal or managed identity")
    .option("--plane <plane>", "data or management", "data")
    .option("--ttl <duration>", "lifetime, e.g. 30m or 1h", "1h")
    .option("--tenant <id|name>", "tenant (default: the only one)")
    .addOption(
      new Option(
        "--issuer-url <url>",
        `the server's issuer, https://host:port of its HTTPS listener (default: the server running on --data-dir, from <data-dir>/endpoints.json, else ${DEFAULT_ISSUER_URL})`,
      ).env("KEYHOLD_ISSUER_URL"),
    )
    .action((options: { principal: string; plane: string; ttl: string; tenant?: string; issuerUrl?: string }) =>
      withDirectory(program, async ({ directory, dataDir }) => {
        const issuerUrl = options.issuerUrl || (liveServerEndpoints(dataDir)?.issuerUrl ?? DEFAULT_ISSUER_URL);
        const plane = parsePlane("--plane", options.plane);
        const ttlSeconds = parseTtl(options.ttl);
        const tenant = await chooseTenant(directory, options.tenant);
        const principal = await directory.findPrincipal(tenant.id, options.principal);
        if (principal.kind === "group") throw badParameter("--principal", "a group cannot receive a token");
        if (!principal.enabled) throw new KeyholdError("OperationNotAllowed", `The principal ${principal.id} is disabled.`);
        const issuer = await TokenIssuer.open(directory.store, issuerSettings({ baseUrl: issuerUrl }));
        const token = await issuer.issue({ principal, plane, ttlSeconds });
        process.stdout.write(`${token.accessToken}\n`);
      }),
    );
}
