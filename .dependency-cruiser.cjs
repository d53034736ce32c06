/**
 * The layering of DESIGN.md ("Layout"), checked by `npm run lint:deps` in .ci/run:
 *
 *   cli -> cluster -> server -> transport -> hsm / management / identity -> pipeline -> arm, authz, audit, store, workers -> crypto
 *
 * (load sits beside cli as a client of transport; config and tls are read by server, cli, management's client and
 * hsm's security domain.) The src/*.ts leaves (errors, guid, is-record, lru, files) are the one error base and small
 * helpers every layer stands on; they import no folder. Rules name what a layer must not reach; an exception is
 * narrow (one file to one file) and says why it stands.
 */
const ABOVE_PIPELINE = "^src/(hsm|management|keyvault|identity|transport|server|cluster|cli|load|config|tls|metrics)/";
const LEAVES_AND = (own) => `^src/(${own}|gen/|errors\\.ts$|guid\\.ts$|is-record\\.ts$|lru\\.ts$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "crypto-is-pure",
      comment:
        "crypto/ is bytes in, bytes out: it imports nothing of ours but the one error base, authz types and the generated WASM kernels.",
      severity: "error",
      from: { path: "^src/crypto/" },
      to: { path: "^src/", pathNot: ["^src/crypto/", "^src/errors\\.ts$", "^src/gen/wasm-kernels"] },
    },
    {
      name: "crypto-only-types-of-authz",
      severity: "error",
      from: { path: "^src/crypto/" },
      to: { path: "^src/authz/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "authz-is-pure",
      comment: "authz/ is pure role and scope logic: it imports nothing of ours but the src/*.ts leaves and crypto types.",
      severity: "error",
      from: { path: "^src/authz/" },
      to: { path: "^src/", pathNot: [LEAVES_AND("authz/|crypto/")] },
    },
    {
      name: "authz-only-types-of-crypto",
      severity: "error",
      from: { path: "^src/authz/" },
      to: { path: "^src/crypto/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "leaves-import-no-folder",
      comment:
        "src/*.ts (errors, guid, is-record, lru, files, endpoints-file, serving-state, batch-limit) are leaves every layer may import.",
      severity: "error",
      from: { path: "^src/[^/]+\\.ts$" },
      to: { path: "^src/[^/]+/" },
    },
    {
      name: "bottom-layer-stays-below-the-pipeline",
      comment: "audit, store, workers and arm are what the pipeline and the domains stand on.",
      severity: "error",
      from: { path: "^src/(audit|store|workers|arm)/" },
      to: { path: [ABOVE_PIPELINE, "^src/pipeline/"] },
    },
    {
      name: "pipeline-stands-below-the-domains",
      comment: "The pipeline states what it needs of identity, hsm and management as interfaces they implement.",
      severity: "error",
      from: { path: "^src/pipeline/" },
      to: { path: ABOVE_PIPELINE },
    },
    {
      name: "domains-stand-below-the-doors",
      comment: "keyvault/ declares the Key Vault REST routes over the hsm operations, as management/ declares ARM's.",
      severity: "error",
      from: { path: "^src/(hsm|management|keyvault|identity)/" },
      to: { path: "^src/(transport|server|cluster|cli|load)/" },
    },
    {
      name: "transport-stands-below-cli",
      severity: "error",
      from: { path: "^src/transport/" },
      to: { path: "^src/(server|cluster|cli|load)/" },
    },
    {
      name: "cluster-stands-below-cli",
      comment: "cluster/ (the primary of `serve --processes N` and its nodes) runs server/ nodes; the CLI starts it.",
      severity: "error",
      from: { path: "^src/cluster/" },
      to: { path: "^src/(cli|load)/" },
    },
    {
      name: "server-stands-below-cli",
      severity: "error",
      from: { path: "^src/server/" },
      to: { path: "^src/(cli|load)/" },
    },
    {
      name: "load-stands-below-cli",
      severity: "error",
      from: { path: "^src/load/" },
      // EXCEPTION: the load generator shares the CLI's client flags and TLS channel options (cli/client-options.ts);
      // moving that module below both is a follow-up (it is imported by every client command and its tests).
      to: { path: "^src/(cli|server)/", pathNot: "^src/cli/client-options\\.ts$" },
    },
    {
      name: "src-imports-no-test-or-bench",
      severity: "error",
      // EXCEPTION: `keyhold bench --all` loads the tinybench groups of bench/ on demand (a dynamic import that the
      // other commands never reach); everything else in src must stand without bench/ and test/.
      from: { path: "^src/", pathNot: "^src/cli/bench\\.ts$" },
      to: { path: "^(test|bench)/" },
    },
    {
      name: "src-cli-bench-only-the-groups",
      severity: "error",
      from: { path: "^src/cli/bench\\.ts$" },
      to: { path: "^(test/|bench/(?!groups\\.ts$))" },
    },
    {
      name: "no-circular",
      comment: "A cycle between modules, within a folder or across folders: one side should stand on the other.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve (run `npm run build` first: src/gen is generated).",
      severity: "error",
      from: {},
      // @bufbuild/protobuf/codegenv2 is a package subpath export (src/gen only), which the resolver does not follow.
      to: { couldNotResolve: true, pathNot: "^@bufbuild/protobuf/codegenv2$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports count: they are how a layer leans on another.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
