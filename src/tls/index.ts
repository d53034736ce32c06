export { ensureDevTls, type DevTls } from "./dev-tls.js";
export { loadTls, type ServerTls } from "./load-tls.js";
