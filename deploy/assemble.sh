#!/bin/sh
# The image's production install, in one script the Dockerfile runs and a test runs too (so neither can rot):
#
#   deploy/assemble.sh <built repository> <output folder>
#
# Packs the CLI and every workspace package it depends on (the repository must be built: dist/ is what ships),
# then installs those tarballs with production dependencies only into <output folder>, together with the health
# check. The result runs as `node <output>/node_modules/mcp-switchboard/dist/cli.js`; it needs nothing else from
# the repository. Extra npm flags (e.g. --prefer-offline) can be passed in NPM_INSTALL_FLAGS.
set -eu
repo=$(cd "$1" && pwd)
mkdir -p "$2/packages"
out=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

cd "$repo"
# The CLI and the closure of its workspace dependencies, as workspace folders.
workspaces=$(node --input-type=module -e '
  import { readFileSync, readdirSync, existsSync } from "node:fs";
  const dirs = ["packages", "plugins", "apps"].flatMap((p) => readdirSync(p).map((e) => `${p}/${e}`)).filter((d) => existsSync(`${d}/package.json`));
  const byName = new Map(dirs.map((d) => [JSON.parse(readFileSync(`${d}/package.json`, "utf8")).name, d]));
  const wanted = new Set(), queue = ["mcp-switchboard"];
  while (queue.length) {
    const name = queue.pop();
    if (wanted.has(name) || !byName.has(name)) continue;
    wanted.add(name);
    queue.push(...Object.keys(JSON.parse(readFileSync(`${byName.get(name)}/package.json`, "utf8")).dependencies ?? {}));
  }
  console.log([...wanted].map((n) => byName.get(n)).join(" "));
')
# shellcheck disable=SC2046
npm pack --silent --json --pack-destination "$out/packages" $(printf -- '--workspace %s ' $workspaces) > "$out/packages/packed.json"

cd "$out"
# Each tarball under its real (scoped) name: npm then takes them for the CLI's own dependencies, not the registry.
node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  const packed = JSON.parse(readFileSync("packages/packed.json", "utf8"));
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:packages/${p.filename}`]));
  writeFileSync("package.json", JSON.stringify({ name: "switchboard-image", private: true, type: "module", dependencies }, null, 2) + "\n");
'
# shellcheck disable=SC2086
npm install --omit=dev --no-audit --no-fund --no-package-lock --loglevel=error ${NPM_INSTALL_FLAGS:-}
cp "$here/healthcheck.mjs" "$out/healthcheck.mjs"
test -f "$out/node_modules/mcp-switchboard/dist/cli.js"
