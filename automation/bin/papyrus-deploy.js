#!/usr/bin/env node
// The repository's launcher (`npm run deploy …`, the demo, the tests). It runs the compiled CLI
// in dist/ (`npm run build`; setup runs it) while that build is current, and the TypeScript
// through ts-node otherwise: before the first build, after a source edit, or when
// PAPYRUS_DEPLOY_FROM_SOURCE=1 (the tests set it, to exercise the source). A build older than
// the source is never run: a deploy must run the code the checkout holds. The package's own bin
// is dist/automation/cli/bin.js (package.json `bin`), which compiles nothing.
const path = require("path");
const { refuseToStart, unsupportedNodeMessage } = require("../nodeEngines");
const { buildState, DIST } = require("../../scripts/buildState");

const ROOT = path.join(__dirname, "..", "..");

// Checked before ts-node, the Pulumi SDK and the AWS SDK load: on a Node outside `engines` they fail
// later, midway and less clearly. Exit 2, like other input the caller has to fix; nothing has run.
const problem = unsupportedNodeMessage(process.version, process.execPath, require("../../package.json").engines.node);
if (problem !== undefined) {
    refuseToStart(problem, process.argv.slice(2));
} else {
    const state = process.env.PAPYRUS_DEPLOY_FROM_SOURCE === "1" ? "source" : buildState();
    if (state === "stale") {
        process.stderr.write("note: dist/ is older than the source; running the TypeScript (slower to start). `npm run build` compiles it.\n");
    }
    let main;
    if (state === "current") {
        main = require(path.join(DIST, "automation", "cli", "main")).main;
    } else {
        require("ts-node").register({ transpileOnly: true, project: path.join(ROOT, "tsconfig.json") });
        main = require("../cli/main").main;
    }
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
