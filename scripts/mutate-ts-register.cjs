// `npm run mutate` only (mochaOptions.require in stryker.config.mjs, in place of ts-node): compiles
// the TypeScript files that the unit suites load, the way `ts-node/register/transpile-only` does
// (ts.transpileModule with tsconfig.json's compiler options), and keeps each result in
// node_modules/.cache/papyrus-mutate, keyed by the source, the compiler options and the TypeScript
// version. The mocha runner cannot reload a test environment, so Stryker starts a fresh test
// process for each static mutant (one that acts when a module loads, such as a module-level
// RegExp); the files it loads are the same each time (Stryker activates a mutant by id at run
// time, it does not rewrite the files), so after the first process they come from this cache and
// a restart no longer loads the compiler and transpiles ~30 files.
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const cacheDir = path.join(root, "node_modules", ".cache", "papyrus-mutate");
const tsconfigText = fs.readFileSync(path.join(root, "tsconfig.json"), "utf8");
const tsVersion = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
let compilerOptions;

function transpile(source, fileName) {
    const ts = require("typescript");
    if (compilerOptions === undefined) {
        const parsed = ts.parseJsonConfigFileContent(ts.parseConfigFileTextToJson("tsconfig.json", tsconfigText).config, ts.sys, root);
        compilerOptions = { ...parsed.options, noEmit: false, sourceMap: false, inlineSourceMap: false, declaration: false };
    }
    const output = ts.transpileModule(source, { fileName, compilerOptions, reportDiagnostics: false });
    return output.outputText;
}

require.extensions[".ts"] = (module, fileName) => {
    const source = fs.readFileSync(fileName, "utf8");
    const key = createHash("sha256").update(`${tsVersion}\0${tsconfigText}\0${fileName}\0${source}`).digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    let code;
    try {
        code = fs.readFileSync(cached, "utf8");
    } catch {
        code = transpile(source, fileName);
        fs.mkdirSync(cacheDir, { recursive: true });
        const temporary = `${cached}.${process.pid}`;
        fs.writeFileSync(temporary, code);
        fs.renameSync(temporary, cached);
    }
    module._compile(code, fileName);
};
