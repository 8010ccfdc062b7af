#!/usr/bin/env node
// Runs the TypeScript CLI without a build step (type-checking happens in `npm test`).
const path = require("path");
const { unsupportedNodeMessage } = require("../nodeEngines");

// Checked before ts-node, the Pulumi SDK and the AWS SDK load: on a Node outside
// `engines` they fail later, midway and less clearly. Exit 2, like other input the
// caller has to fix; nothing has run.
const problem = unsupportedNodeMessage(process.version, process.execPath, require("../../package.json").engines.node);
if (problem !== undefined) {
    process.stderr.write(problem + "\n");
    process.exitCode = 2;
} else {
    require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
    require("../cli/main")
        .main(process.argv.slice(2))
        .then((code) => {
            process.exitCode = code;
        });
}
