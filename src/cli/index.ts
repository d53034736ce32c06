#!/usr/bin/env -S node --max-semi-space-size=64
/**
 * The `keyhold` executable (package.json "bin"). Its first line gives `keyhold serve` 64 MiB semi-spaces
 * (src/cluster/young-generation.ts says why); `node dist/src/cli/index.js` without the flag runs with V8's default.
 */
import { buildProgram } from "./program.js";

await (await buildProgram(process.argv)).parseAsync(process.argv);
