// The Dockerfile rules for images this project deploys, as a linter that CI
// runs before it builds (ecr-push.yml) and that the tests run on examples/app:
// - every base image (and the `# syntax=` frontend) pinned by digest, no `latest`;
// - the final stage runs as a non-root USER;
// - no secret-looking names in ARG or ENV (their values stay in the image);
// - packages installed only in a build stage, never in the final one.
// The Dockerfile is read as text: no Docker daemon needed.
//
//   npx ts-node --transpile-only scripts/lint-dockerfile.ts examples/app/Dockerfile
//
// Exit 0 when every file follows the rules, 1 when one does not (each problem
// on stderr as `<file>: line <n>: ...`), 2 for a usage error or an unreadable file.
import * as fs from "fs";
import { isSha256Digest } from "../components/imageReference";

export interface Instruction {
    /** 1-based line where the instruction starts. */
    readonly line: number;
    /** Upper-case keyword (`FROM`, `RUN`, …); `#SYNTAX` for a `# syntax=` parser directive. */
    readonly keyword: string;
    /** The rest of the instruction, continuation lines joined with a space. */
    readonly args: string;
}

/** Instructions with continuation lines joined and comments and blank lines dropped (as Docker's parser does). */
export function dockerfileInstructions(text: string): Instruction[] {
    const result: Instruction[] = [];
    const lines = text.split("\n");
    let pending: { line: number; text: string } | undefined;
    for (let i = 0; i < lines.length; i++) {
        const trimmed = lines[i].trim();
        const directive = /^#\s*syntax\s*=\s*(\S+)/i.exec(trimmed);
        if (directive && result.length === 0 && pending === undefined) {
            result.push({ line: i + 1, keyword: "#SYNTAX", args: directive[1] });
            continue;
        }
        if (trimmed.startsWith("#") || trimmed === "") {
            continue;
        }
        const continues = trimmed.endsWith("\\");
        const piece = continues ? trimmed.slice(0, -1) : trimmed;
        pending = pending === undefined ? { line: i + 1, text: piece } : { line: pending.line, text: `${pending.text} ${piece}` };
        if (!continues) {
            const [keyword, ...rest] = pending.text.trim().split(/\s+/);
            result.push({ line: pending.line, keyword: keyword.toUpperCase(), args: rest.join(" ") });
            pending = undefined;
        }
    }
    return result;
}

const SECRET_WORDS = new Set([
    "SECRET",
    "SECRETS",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "PRIVATE",
]);

// Package managers installing something. A bare `yarn` installs too; `yarn build` does not.
const PACKAGE_INSTALL = new RegExp(
    [
        String.raw`\bapt(?:-get)?(?:\s+-\S+)*\s+install\b`,
        String.raw`\b(?:apk|yum|dnf|microdnf)(?:\s+-\S+)*\s+(?:add|install)\b`,
        String.raw`\bnpm\s+(?:ci|install|i|add)\b`,
        String.raw`\bpnpm\s+(?:install|i|add)\b`,
        String.raw`\byarn(?:\s+(?:install|add)\b|(?=\s*(?:$|&&|;|\|)))`,
        String.raw`\bpip3?\s+install\b`,
    ].join("|"),
);

/** True when a variable name has a word (split on `_`, `-` and case changes) that names a secret, e.g. `NPM_TOKEN`, `dbPassword`. */
export function looksSecret(name: string): boolean {
    const words = name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .toUpperCase()
        .split(/[_-]+/);
    return words.some((word) => SECRET_WORDS.has(word));
}

/** The names an ARG or ENV instruction declares. */
function declaredNames(instruction: Instruction): string[] {
    if (instruction.keyword === "ARG") {
        // `ARG A`, `ARG A=1`, `ARG A=1 B`.
        return instruction.args
            .split(/\s+/)
            .filter((t) => t !== "")
            .map((t) => t.split("=")[0]);
    }
    // `ENV A=1 B=2`, or the legacy `ENV A 1`.
    if (!instruction.args.includes("=")) {
        return [instruction.args.split(/\s+/)[0]];
    }
    return [...instruction.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]);
}

interface Stage {
    readonly line: number;
    /** The last USER set in this stage or inherited from the stage it starts from. */
    user?: Instruction;
    readonly runs: Instruction[];
}

/** Every broken rule in a Dockerfile, one sentence each, in file order (final-stage problems last). Empty when it follows them all. */
export function dockerfileProblems(text: string): string[] {
    const problems: string[] = [];
    const stages = new Map<string, Stage>();
    let finalStage: Stage | undefined;

    for (const instruction of dockerfileInstructions(text)) {
        const where = `line ${instruction.line}`;
        if (/\blatest\b/i.test(instruction.args)) {
            problems.push(`${where}: \`${instruction.keyword} ${instruction.args}\` uses \`latest\`, a moving tag; pin by digest`);
        }
        if (instruction.keyword === "#SYNTAX" && !instruction.args.includes("@sha256:")) {
            problems.push(`${where}: the \`# syntax=${instruction.args}\` frontend is an image too; pin it by digest or drop the directive`);
        }
        if (instruction.keyword === "FROM") {
            const tokens = instruction.args.split(/\s+/).filter((t) => !t.startsWith("--"));
            const image = tokens[0] ?? "";
            const alias = tokens.length >= 3 && tokens[1].toUpperCase() === "AS" ? tokens[2].toLowerCase() : `#${stages.size}`;
            const parent = stages.get(image.toLowerCase());
            const at = image.indexOf("@");
            if (parent === undefined && image !== "scratch" && (at === -1 || !isSha256Digest(image.slice(at + 1)))) {
                problems.push(
                    `${where}: base image \`${image}\` is not pinned by digest; use \`${at === -1 ? image : image.slice(0, at)}@sha256:<64 hex>\` and update the digest on purpose`,
                );
            }
            finalStage = { line: instruction.line, user: parent?.user, runs: [] };
            stages.set(alias, finalStage);
            continue;
        }
        // Global ARGs (before the first FROM) count too.
        if (instruction.keyword === "ARG" || instruction.keyword === "ENV") {
            for (const name of declaredNames(instruction).filter(looksSecret)) {
                problems.push(
                    `${where}: \`${instruction.keyword} ${name}\` looks like a secret; ARG and ENV values stay in the image, so pass it as a BuildKit secret (\`RUN --mount=type=secret,id=...\`)`,
                );
            }
        }
        if (finalStage !== undefined && instruction.keyword === "USER") {
            finalStage.user = instruction;
        }
        if (finalStage !== undefined && instruction.keyword === "RUN") {
            finalStage.runs.push(instruction);
        }
    }

    if (finalStage === undefined) {
        problems.push("there is no FROM instruction");
        return problems;
    }
    const user = finalStage.user;
    if (user === undefined) {
        problems.push(`the final stage (line ${finalStage.line}) has no USER, so it runs as root; add a non-root user (e.g. \`USER node\`)`);
    } else if (/^(root|0)(:|$)/.test(user.args.trim())) {
        problems.push(`line ${user.line}: the final stage runs as \`${user.args.trim()}\`; use a non-root user (e.g. \`USER node\`)`);
    }
    for (const run of finalStage.runs) {
        const install = PACKAGE_INSTALL.exec(run.args);
        if (install) {
            problems.push(`line ${run.line}: the final stage installs packages (\`${install[0]}\`); install them in the build stage and copy the result`);
        }
    }
    return problems;
}

/** Lints each file; returns the exit code. */
export function main(argv: readonly string[], stderr: NodeJS.WritableStream = process.stderr, stdout: NodeJS.WritableStream = process.stdout): number {
    if (argv.length === 0 || argv.some((a) => a.startsWith("-"))) {
        stderr.write("usage: lint-dockerfile.ts <Dockerfile>...\n");
        return 2;
    }
    let failed = false;
    for (const file of argv) {
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (err) {
            stderr.write(`lint-dockerfile: cannot read \`${file}\`: ${(err as Error).message}\n`);
            return 2;
        }
        const problems = dockerfileProblems(text);
        for (const problem of problems) {
            stderr.write(`${file}: ${problem}\n`);
        }
        if (problems.length === 0) {
            stdout.write(`${file}: follows the Dockerfile rules\n`);
        }
        failed ||= problems.length > 0;
    }
    return failed ? 1 : 0;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
