// Is dist/ (`npm run build`) current: built after the last change to what it is built from? Plain
// JavaScript, shared by the repository's CLI launcher (automation/bin/papyrus-deploy.js: it runs
// dist/ only while current) and `npm run build -- --if-stale` (setup). A stat of each source file:
// about 2 ms.
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
/** Written by scripts/build.js with the time the build started. */
const STAMP = path.join(DIST, ".build-started");
const SOURCE_DIRS = ["components", "automation", "policy"];
const CONFIG_FILES = ["tsconfig.json", "tsconfig.build.json", "package.json", "scripts/build.js"];

/** The newest modification time (ms) of the files the build reads, under `dir`. */
function newestSource(dir) {
    let newest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
        else if (/\.(ts|js|yaml|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
    return newest;
}

/** "current", "missing" or "stale", for the checkout at `root`. */
function buildState(root = ROOT) {
    let built;
    try {
        built = fs.statSync(path.join(root, "dist", ".build-started")).mtimeMs;
    } catch {
        return "missing";
    }
    const sources = SOURCE_DIRS.map((dir) => newestSource(path.join(root, dir)));
    const configs = CONFIG_FILES.map((file) => fs.statSync(path.join(root, file)).mtimeMs);
    return Math.max(...sources, ...configs) <= built ? "current" : "stale";
}

module.exports = { buildState, DIST, STAMP, SOURCE_DIRS, CONFIG_FILES };
