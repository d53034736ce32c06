export { ensureDevTls, devTlsPaths, LOOPBACK_HOSTS, type DevTls, type DevTlsOptions } from "./dev-tls.js";
export { loadTls, type ServerTls, type TlsFiles } from "./load-tls.js";
