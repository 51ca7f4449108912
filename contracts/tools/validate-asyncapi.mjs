// Validates AsyncAPI documents with @asyncapi/parser (the library behind the AsyncAPI CLI).
// Usage: node validate-asyncapi.mjs FILE...   Exit 0 when every file is valid, 1 otherwise.
// Warnings (style hints from the parser's ruleset) are printed but do not fail the run.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate-asyncapi.mjs FILE...");
  process.exit(2);
}

const parser = new Parser();
let failed = false;
for (const file of files) {
  const path = resolve(file);
  const { document, diagnostics } = await parser.parse(await readFile(path, "utf8"), {
    source: path,
  });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of diagnostics) {
    const level = d.severity === DiagnosticSeverity.Error ? "error" : "warning";
    console.log(`${file}: ${level} ${d.code} at ${d.path.join(".") || "<root>"}: ${d.message}`);
  }
  if (!document || errors.length > 0) {
    failed = true;
    console.log(`${file}: INVALID (${errors.length} error(s))`);
  } else {
    const channels = document.channels().length;
    const messages = document.allMessages().length;
    console.log(`${file}: valid AsyncAPI ${document.version()}, ${channels} channels, ${messages} messages`);
  }
}
process.exit(failed ? 1 : 0);
