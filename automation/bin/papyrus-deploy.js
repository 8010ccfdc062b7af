#!/usr/bin/env node
// Runs the TypeScript CLI without a build step (type-checking happens in `npm test`).
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "..", "tsconfig.json") });
require("../cli").main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
