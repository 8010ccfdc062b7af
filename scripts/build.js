#!/usr/bin/env node
// `npm run build`: the package's JavaScript and declarations in dist/ (tsconfig.build.json), plus
// the files tsc does not emit: the plain-JavaScript Node.js check the bin loads first, and the
// policy pack's PulumiPolicy.yaml and package.json, so that `pulumi … --policy-pack
// node_modules/papyrus-deploy/dist/policy` runs the compiled pack. Plain JavaScript: it runs
// before anything is compiled.
//
// dist/.build-started holds the time the build started: the repository's launcher
// (automation/bin/papyrus-deploy.js) runs dist/ only while no source file is newer.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const { buildState, DIST, STAMP } = require("./buildState");

const ROOT = path.resolve(__dirname, "..");
const started = new Date();

// `--if-stale` (setup): nothing to do while dist/ is current.
if (process.argv.includes("--if-stale") && buildState() === "current") {
    process.stderr.write("dist/ is current; not rebuilding\n");
    process.exit(0);
}

fs.rmSync(DIST, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc", { paths: [ROOT] }), "-p", path.join(ROOT, "tsconfig.build.json")], {
    stdio: "inherit",
});
if (tsc.status !== 0) {
    process.stderr.write(`build failed: tsc -p tsconfig.build.json exited with ${tsc.status ?? tsc.signal} (see above); dist/ is incomplete\n`);
    fs.rmSync(DIST, { recursive: true, force: true });
    process.exit(1);
}

for (const file of ["automation/nodeEngines.js", "automation/nodeEngines.d.ts", "policy/PulumiPolicy.yaml"]) {
    fs.copyFileSync(path.join(ROOT, file), path.join(DIST, file));
}
const pack = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8"));
// The compiled pack program; its @pulumi/policy and @pulumi/pulumi are the adopter's (see docs/PACKAGE.md).
fs.writeFileSync(
    path.join(DIST, "policy", "package.json"),
    JSON.stringify({ name: pack.name, version: pack.version, private: true, description: pack.description, main: "index.js" }, null, 2) + "\n",
);
fs.chmodSync(path.join(DIST, "automation", "cli", "bin.js"), 0o755);
fs.writeFileSync(STAMP, started.toISOString() + "\n");
fs.utimesSync(STAMP, started, started);
process.stderr.write(`built dist/ in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s\n`);
