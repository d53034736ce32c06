/** The connection of a `keyhold load` run, by `--protocol`: grpc-js to CryptoService, or HTTPS to the Key Vault REST door. */
import { checkConnectionOptions, openConnection, type ConnectionOptions, type CryptoConnection } from "./connection.js";
import { checkRestConnection, openRestConnection } from "./rest-connection.js";

/** Throws BadParameter naming the flag when these options cannot make a connection (checked before any worker starts). */
export function checkCryptoConnection(options: ConnectionOptions): void {
  if (options.protocol === "rest") checkRestConnection(options);
  else checkConnectionOptions(options);
}

export function openCryptoConnection(options: ConnectionOptions): CryptoConnection {
  return options.protocol === "rest" ? openRestConnection(options) : openConnection(options);
}
