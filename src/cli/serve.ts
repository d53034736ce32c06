import type { Command } from "commander";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the keyhold server")
    .option("--config <file>", "configuration file (YAML or JSON)")
    .option("--dev", "development mode: local CA, tenant, admin user and a ready HSM")
    .action(() => {
      // The server arrives with the gRPC data plane; until then say so plainly.
      process.stderr.write(
        "keyhold serve: the server is not built yet. What works today is the crypto core\n" +
          "(import \"keyhold/crypto\"), `npm test` and `npm run bench`; see README.md.\n",
      );
      process.exitCode = 2;
    });
}
