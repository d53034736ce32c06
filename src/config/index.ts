export { ConfigError, loadConfig, nodeIdFromHostname, type LoadConfigOptions } from "./load-config.js";
export { environmentOptions, environmentVariableOf, type EnvironmentOption } from "./environment.js";
export {
  formatListenAddress,
  isLoopbackHost,
  parseListenAddress,
  tryParseListenAddress,
  type ListenAddress,
} from "./listen-address.js";
export { CONFIG_SCHEMA, DEFAULT_LISTEN } from "./schema.js";
export type { ConfigIssue } from "./validate.js";
export type {
  EcProviderChoice,
  HsmConfig,
  IdentityConfig,
  KeyholdConfig,
  NetworkAclsConfig,
  RsaProviderChoice,
} from "./types.js";
