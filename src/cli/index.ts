#!/usr/bin/env node
/** The `keyhold` executable (package.json "bin"). */
import { buildProgram } from "./program.js";

await buildProgram().parseAsync(process.argv);
