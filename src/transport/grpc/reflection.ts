/**
 * grpc.health.v1.Health (grpc-health-check) and server reflection
 * (@grpc/reflection), so grpcurl-style tools can list and call methods.
 * Reflection reads the .proto files shipped in the package's proto/ folder.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import type { ServingState } from "../../serving-state.js";

/** The folder holding keyhold's package.json (from src/ or dist/src/ alike). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "keyhold") return dir;
    dir = dirname(dir);
  }
  throw new Error("keyhold package root not found");
}

export function addReflection(server: Server): void {
  const protoDir = join(packageRoot(), "proto");
  const files = readdirSync(join(protoDir, "keyhold", "v1"))
    .filter((f) => f.endsWith(".proto"))
    .map((f) => join("keyhold", "v1", f));
  const definition = loadSync([...files, healthProtoPath], { includeDirs: [protoDir, dirname(healthProtoPath)], keepCase: false });
  new ReflectionService(definition).addToServer(server);
}

/** Every keyhold service (and the server as a whole, "") reports NOT_SERVING while the node's serving state says so. */
export function addHealth(server: Server, services: readonly string[], serving: ServingState | undefined): HealthImplementation {
  const status = (up: boolean) => (up ? ("SERVING" as const) : ("NOT_SERVING" as const));
  const names = ["", ...services];
  const health = new HealthImplementation(Object.fromEntries(names.map((name) => [name, status(serving?.serving ?? true)])));
  serving?.onChange((up) => {
    for (const name of names) health.setStatus(name, status(up));
  });
  health.addToServer(server);
  return health;
}
