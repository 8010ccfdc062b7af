// A disk cache for ts-node's transpiled output, preloaded (`node --require`) into the CLI processes
// the tests start (testkit/cliProcess.ts). The CLI's bin registers ts-node and transpiles the
// driver's ~45 TypeScript files on every start: about 1.4 s of CPU of the 2.1 s a start costs, paid
// again by each of the hundreds of CLI runs in the engine suites. Here `ts-node.register` is wrapped
// so the service it returns looks each file up by a hash of the TypeScript version, the compiler
// options, the file name and the source before transpiling it; a changed file is a new key, so the
// output is always what ts-node would produce now. The CLI itself is unchanged: it still registers
// ts-node, with the same options, from its own bin.
//
// Plain JavaScript: it runs before ts-node exists in the process.
"use strict";
const { createHash } = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "papyrus-ts-node");
const tsNode = require(path.join(ROOT, "node_modules", "ts-node"));

const register = tsNode.register;
tsNode.register = function registerWithCache(...args) {
    const service = register.apply(this, args);
    const compile = service.compile.bind(service);
    const salt = `${service.ts.version}\0${JSON.stringify(service.config.options)}\0`;
    service.compile = (code, fileName, lineOffset) => {
        const key = createHash("sha256").update(salt).update(`${fileName}\0`).update(code).digest("hex");
        const file = path.join(CACHE_DIR, `${key}.js`);
        try {
            return fs.readFileSync(file, "utf8");
        } catch {
            // not cached yet
        }
        const output = compile(code, fileName, lineOffset);
        try {
            fs.mkdirSync(CACHE_DIR, { recursive: true });
            const staging = `${file}.${process.pid}`;
            fs.writeFileSync(staging, output);
            fs.renameSync(staging, file); // whole or not at all, for the processes reading it meanwhile
        } catch {
            // a cache that cannot be written only costs the next start its time
        }
        return output;
    };
    return service;
};
