#!/usr/bin/env node
/** The `keyhold` executable (package.json "bin"). */
import { buildProgram } from "./program.js";

await (await buildProgram(process.argv)).parseAsync(process.argv);
