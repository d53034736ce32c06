/**
 * The young generation of a server process. A unary call allocates tens of kilobytes (grpc-js, HTTP/2, protobuf,
 * the pipeline's promises) and lives for a few milliseconds, so with 64 calls in flight a small new space is
 * scavenged several times a second and every scavenge copies (and promotes) the calls that are in flight then. 64 MiB
 * semi-spaces cut the scavenges' CPU per ES256 sign about in half (46 to 22 µs per call, `perf` on `serve --dev`
 * under `keyhold load`, README "Where the time goes"); V8 grows the space only as far as the allocation rate needs,
 * so an idle server does not pay for it. The flag must be on the command line (V8 sizes the heap at start): the
 * `keyhold` executable's first line carries it, and the nodes of `serve --processes N` are started with it.
 */
export const SERVER_SEMI_SPACE_MB = 64;

const FLAG = "--max-semi-space-size";

/** `execArgv` for a server process: the semi-space flag added unless the operator chose one (flags or NODE_OPTIONS). */
export function serverExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const chosen = execArgv.some((argument) => argument.startsWith(FLAG)) || (nodeOptions ?? "").includes(FLAG);
  return chosen ? [...execArgv] : [...execArgv, `${FLAG}=${SERVER_SEMI_SPACE_MB}`];
}
