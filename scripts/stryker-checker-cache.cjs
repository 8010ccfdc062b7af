// Preloaded into Stryker's TypeScript checker process only (`checkerNodeArgs` in
// stryker.config.mjs) to make each mutant's type check cheaper without changing what is checked.
// It uses public TypeScript API and Node's module hooks:
//  - The checker runs a watching solution builder and rebuilds the program for every mutant (or
//    group of mutants). That builder does not keep the previous program's parsed files, so each
//    check parsed, bound and resolved the imports of all ~880 files of the program again, ~840 of
//    them declaration files under node_modules that cannot change during a run. The
//    builder-program factory receives the compiler host; the wrapped factory makes that host parse
//    a file under node_modules, and resolve its imports, once and hand back the same results
//    afterwards, as a language service's document registry shares files between programs. The
//    project's own files are read, parsed and resolved every time, as before.
//  - The watching builder waits 250 ms after a file change before it rebuilds (a debounce meant for
//    editors). The checker changes the files itself, synchronously, and then waits for the build,
//    so that wait is pure delay: the builder's timers run at once instead.
// TypeScript's exports are read-only, so the checker is given, in place of the `typescript`
// module, an object that inherits everything from it and overrides the one factory.
"use strict";
const Module = require("node:module");
const { pathToFileURL } = require("node:url");
const ts = require("typescript");

// Parsed files and module resolutions from under node_modules, kept for the whole run.
const sourceFiles = new Map();
const resolutions = new Map();
const inNodeModules = (fileName) => fileName.includes("/node_modules/");

function memoized(host, name, keyOf) {
    const original = host[name];
    if (typeof original !== "function" || original.strykerCache) {
        return;
    }
    const wrapper = (...args) => {
        const key = keyOf(...args);
        if (key === undefined) {
            return original.apply(host, args);
        }
        const cache = name === "getSourceFile" ? sourceFiles : resolutions;
        if (!cache.has(key)) {
            cache.set(key, original.apply(host, args));
        }
        return cache.get(key);
    };
    wrapper.strykerCache = true;
    host[name] = wrapper;
}

const optionsKey = (options) =>
    typeof options === "object" ? `${options.languageVersion}/${options.impliedNodeFormat}/${options.jsDocParsingMode}` : String(options);
const literalsKey = (literals) =>
    literals.map((literal) => (typeof literal === "string" ? literal : `${literal.text ?? literal.fileName}/${literal.resolutionMode}`)).join("\0");

function cachingHost(host) {
    // The solution builder puts its own per-build getSourceFile on the host for each build.
    memoized(host, "getSourceFile", (fileName, languageVersionOrOptions, _onError, shouldCreateNewSourceFile) =>
        shouldCreateNewSourceFile || !inNodeModules(fileName) ? undefined : `${fileName}\0${optionsKey(languageVersionOrOptions)}`,
    );
    // Module and type-reference resolution from files under node_modules (their imports cannot change).
    memoized(host, "resolveModuleNameLiterals", (literals, containingFile, redirectedReference, _options, containingSourceFile) =>
        redirectedReference || !inNodeModules(containingFile)
            ? undefined
            : `m\0${containingFile}\0${containingSourceFile?.impliedNodeFormat}\0${literalsKey(literals)}`,
    );
    memoized(host, "resolveTypeReferenceDirectiveReferences", (references, containingFile, redirectedReference, _options, containingSourceFile) =>
        redirectedReference || !inNodeModules(containingFile)
            ? undefined
            : `t\0${containingFile}\0${containingSourceFile?.impliedNodeFormat}\0${literalsKey(references)}`,
    );
    return host;
}

const wrapped = Object.create(ts);
Object.defineProperty(wrapped, "createEmitAndSemanticDiagnosticsBuilderProgram", {
    enumerable: true,
    value: (rootNames, options, host, ...rest) => ts.createEmitAndSemanticDiagnosticsBuilderProgram(rootNames, options, host && cachingHost(host), ...rest),
});
module.exports = wrapped;

const setTimeoutOfSys = ts.sys.setTimeout;
if (setTimeoutOfSys) {
    ts.sys.setTimeout = (callback, _ms, ...args) => setTimeoutOfSys(callback, 0, ...args);
}

const self = pathToFileURL(__filename).href;
const typescriptUrl = pathToFileURL(require.resolve("typescript")).href;
// Node 22.15 and later (the project's tools run 24); without it the checker runs uncached.
Module.registerHooks?.({
    resolve(specifier, context, nextResolve) {
        const resolved = nextResolve(specifier, context);
        if (resolved.url === typescriptUrl && context.parentURL !== self) {
            return { ...resolved, url: self, format: "commonjs" };
        }
        return resolved;
    },
});
