#!/usr/bin/env node
// The packaged CLI (package.json `bin`), run from its compiled JavaScript in
// dist/: nothing is compiled at run time, and main.ts loads a command's modules
// (the Pulumi SDK, the AWS SDK) only when that command runs. The repository's
// own launcher, automation/bin/papyrus-deploy.js, runs this build too when it is
// current, else the TypeScript.
import * as fs from "fs";
import * as path from "path";
import { refuseToStart, unsupportedNodeMessage } from "../nodeEngines";
import { packageRoot } from "../packageRoot";

const root = packageRoot();
// In the source checkout (`npx papyrus-deploy` there), the launcher decides: it runs this build only
// while no source file is newer. An installed package has no sources, and runs this build.
const launcher = path.join(root, "automation", "bin", "papyrus-deploy.js");
// Checked before the driver loads: on a Node outside `engines` it would fail later, midway and less
// clearly. Exit 2, like other input the caller has to fix; nothing has run.
const engines = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
const problem = unsupportedNodeMessage(process.version, process.execPath, engines, { installed: true });
if (fs.existsSync(launcher)) {
    void import(launcher);
} else if (problem !== undefined) {
    refuseToStart(problem, process.argv.slice(2));
} else {
    void import("./main").then(({ main }) => main(process.argv.slice(2)).then((code) => (process.exitCode = code)));
}
