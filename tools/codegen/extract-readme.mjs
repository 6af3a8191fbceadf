// Writes each ```graphql block of the README to build/operations/NN-Name.graphql, so that
// GraphQL Code Generator checks them against the committed SDL and types them.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
if (blocks.length === 0) throw new Error("no ```graphql blocks in README.md");
const out = new URL("./build/operations/", import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
blocks.forEach((block, i) => {
  const name = /^(?:query|mutation|subscription)\s+(\w+)/m.exec(block)?.[1] ?? "Anonymous";
  writeFileSync(new URL(`${String(i + 1).padStart(2, "0")}-${name}.graphql`, out), block);
});
console.log(`typed-client check: ${blocks.length} README operations`);
