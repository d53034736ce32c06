export { ConfigError, loadConfig, nodeIdFromHostname, nodeIdOfProcess, type LoadConfigOptions } from "./load-config.js";
export { environmentOptions } from "./environment.js";
export {
  formatListenAddress,
  isLoopbackHost,
  parseListenAddress,
} from "./listen-address.js";
export { CONFIG_SCHEMA } from "./schema.js";
export type {
  HsmConfig,
  KeyholdConfig,
} from "./types.js";
