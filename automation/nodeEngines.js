// Is a Node.js version inside package.json's `engines.node`?
//
// Plain JavaScript without dependencies, in syntax old Node versions parse, so
// that the CLI's bin can check before ts-node and the SDKs load, and setup can
// check the Node on PATH before node_modules exists. Only the `>=X[.Y[.Z]]`
// form is understood: it is the one this project declares, and a full semver
// parser would be a dependency for one comparison.
"use strict";

/** `, got \`<value>\``, or `, and is empty`: the value a refusal names (components/inputMessage.ts, which this plain-JS file cannot import). */
function got(value) {
    return String(value) === "" ? ", and is empty" : ", got `" + value + "`";
}

/** The three numbers of `v20.20.2` or `20.20.2`; throws for anything else. */
function parseVersion(version) {
    const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(version).trim());
    if (!match) {
        throw new Error("`node --version` must look like `v24.21.0`" + got(version));
    }
    return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The lowest version a `>=X[.Y[.Z]]` range admits, as three numbers. */
function minimumVersion(range) {
    const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range).trim());
    if (!match) {
        throw new Error("package.json `engines.node` must have the form `>=MAJOR[.MINOR[.PATCH]]` (automation/nodeEngines.js reads only that)" + got(range));
    }
    return [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
}

/** True when `version` is at least the minimum of `range`. */
function satisfiesEngines(version, range) {
    const have = parseVersion(version);
    const need = minimumVersion(range);
    for (let i = 0; i < 3; i++) {
        if (have[i] !== need[i]) {
            return have[i] > need[i];
        }
    }
    return true;
}

/**
 * What to tell someone who started the CLI on a Node outside `range`; undefined when it fits.
 * `options.installed`: the CLI runs from the installed package (an adopter's node_modules), which
 * has none of this repository's setup, .tools/bin or .nvmrc to point at.
 */
function unsupportedNodeMessage(version, execPath, range, options) {
    if (satisfiesEngines(version, range)) {
        return undefined;
    }
    if (options && options.installed) {
        return (
            "papyrus-deploy needs Node.js " +
            range +
            " (`engines.node` in its package.json), but runs on " +
            version +
            " (" +
            execPath +
            ").\n" +
            "Install Node.js " +
            range.replace(/^>=\s*/, "") +
            " or later and put it first on PATH, then run the same command again."
        );
    }
    return (
        "papyrus-deploy needs Node.js " +
        range +
        " (`engines.node` in package.json), but runs on " +
        version +
        " (" +
        execPath +
        ").\n" +
        "Run `npm run setup` (it provides Node.js 24 in .tools/bin) and start the CLI with `npm run <command> -- …`, " +
        'put .tools/bin first on PATH (`export PATH="$PWD/.tools/bin:$PATH"`), ' +
        "or install Node.js " +
        range.replace(/^>=\s*/, "") +
        " or later yourself (`nvm install` reads .nvmrc)."
    );
}

/**
 * Refuses to start (exit 2): the message on stderr and, when the command line asked for `--json`,
 * the CLI's error object on stdout, as every other refusal gives it.
 */
function refuseToStart(message, argv) {
    process.stderr.write(message + "\n");
    if (argv.includes("--json")) {
        process.stdout.write(JSON.stringify({ error: { code: 2, message: message } }, null, 2) + "\n");
    }
    process.exitCode = 2;
}

module.exports = { parseVersion, minimumVersion, satisfiesEngines, unsupportedNodeMessage, refuseToStart };
