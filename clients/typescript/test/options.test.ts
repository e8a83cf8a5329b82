// Option ids derived from labels: the vectors every client helper is checked against.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildOptions } from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url)); // build-test/test
const vectors = join(here, "../../../testdata/option_ids.json");

test("option ids match the shared vectors (clients/testdata/option_ids.json)", () => {
  const { cases } = JSON.parse(readFileSync(vectors, "utf8")) as { cases: { labels: string[]; ids: string[] }[] };
  assert.ok(cases.length > 0);
  for (const c of cases) {
    const opts = buildOptions(c.labels);
    assert.deepEqual(opts.map((o) => o.id), c.ids, JSON.stringify(c.labels));
    assert.deepEqual(opts.map((o) => o.label), c.labels);
  }
});
