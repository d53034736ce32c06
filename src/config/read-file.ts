/** Reads the configuration file: JSON when it ends in .json, YAML otherwise (YAML 1.2 also reads JSON). */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { YAMLParseError, parse as parseYaml } from "yaml";
import { badParameter } from "../errors.js";
import { isRecord } from "../is-record.js";

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw badParameter("--config", `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  let tree: unknown;
  if (extname(file).toLowerCase() === ".json") {
    try {
      tree = JSON.parse(text) as unknown;
    } catch (error) {
      throw badParameter("--config", `${file} is not valid JSON: ${(error as Error).message}`);
    }
  } else {
    try {
      // Duplicate keys are an error rather than "the last one wins" (YAML 1.2 section 3.2.1.1).
      tree = parseYaml(text, { uniqueKeys: true, prettyErrors: true }) as unknown;
    } catch (error) {
      const where = error instanceof YAMLParseError && error.linePos !== undefined ? ` at line ${error.linePos[0].line}` : "";
      const reason = error instanceof YAMLParseError ? error.code : "unreadable";
      throw badParameter("--config", `${file} is not valid YAML${where} (${reason})`);
    }
  }
  if (tree === null || tree === undefined) return {};
  if (!isRecord(tree)) throw badParameter("--config", `${file} must hold a mapping of options at the top level`);
  return tree;
}
