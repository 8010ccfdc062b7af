// The example service image (examples/app) that the workflows build by default:
// the server answers its health check, and the Dockerfile keeps the seed's
// rules (base images by digest, non-root runtime, no secrets in ARG/ENV, no
// `latest`, packages installed only in the build stage). No Docker daemon is
// needed: the Dockerfile is checked as text, the server runs under this Node.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { isSha256Digest } from "../components/imageReference";
import * as yaml from "js-yaml";


const APP_DIR = path.resolve(__dirname, "..", "examples", "app");

// ---------------------------------------------------------------------------
// The server.

interface Reply {
    readonly status: number;
    readonly body: string;
    readonly contentType?: string;
}

function request(port: number, method: string, urlPath: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, method, path: urlPath, agent: false }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, contentType: res.headers["content-type"] }));
        });
        req.on("error", reject);
        req.end();
    });
}

describe("examples/app server.js", function () {
    this.timeout(20_000);
    let child: ChildProcess;
    let port: number;
    let output = "";

    before(async () => {
        // PORT=0: the kernel picks a free loopback port and the server logs which one.
        child = spawn(process.execPath, [path.join(APP_DIR, "server.js")], {
            env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "127.0.0.1", APP_VERSION: "v1.2.3", GIT_COMMIT: "c".repeat(40) },
            stdio: ["ignore", "pipe", "pipe"],
        });
        port = await new Promise<number>((resolve, reject) => {
            child.stdout!.on("data", (chunk) => {
                output += chunk;
                for (const line of output.split("\n")) {
                    if (line.includes('"listening"')) {
                        resolve(JSON.parse(line).port);
                    }
                }
            });
            child.stderr!.on("data", (chunk) => (output += chunk));
            child.on("exit", (code) => reject(new Error(`server exited with ${code} before listening: ${output}`)));
        });
    });

    after(() => {
        if (child.exitCode === null) {
            child.kill("SIGKILL");
        }
    });

    it("listens on the loopback address it was given", () => {
        assert.ok(Number.isInteger(port) && port > 0, `port from the log: ${port}`);
        assert.match(output, /"host":"127\.0\.0\.1"/);
    });

    it("answers GET /healthz with 200 ok (the service's health check path)", async () => {
        const reply = await request(port, "GET", "/healthz");
        assert.deepStrictEqual(reply, { status: 200, body: "ok\n", contentType: "text/plain" });
        assert.strictEqual((await request(port, "GET", "/healthz?probe=alb")).status, 200);
    });

    it("answers the health check path each stack configures (Pulumi.<stack>.yaml)", async () => {
        const root = path.resolve(__dirname, "..");
        const stackFiles = fs.readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
        assert.ok(stackFiles.length > 0, "no Pulumi.<stack>.yaml found");
        for (const file of stackFiles) {
            const config = (yaml.load(fs.readFileSync(path.join(root, file), "utf8")) as { config?: Record<string, unknown> }).config ?? {};
            // DigestPinnedService's default when the stack sets none.
            const healthPath = String(config["papyrus:healthCheckPath"] ?? "/health");
            const reply = await request(port, "GET", healthPath);
            assert.strictEqual(reply.status, 200, `${file}: GET ${healthPath} answered ${reply.status}`);
        }
    });

    it("reports its version and commit from the environment on GET /", async () => {
        const reply = await request(port, "GET", "/");
        assert.strictEqual(reply.status, 200);
        assert.deepStrictEqual(JSON.parse(reply.body), { service: "papyrus-example", version: "v1.2.3", commit: "c".repeat(40) });
    });

    it("answers 404 for unknown paths and 405 for other methods", async () => {
        assert.strictEqual((await request(port, "GET", "/nope")).status, 404);
        assert.strictEqual((await request(port, "POST", "/healthz")).status, 405);
    });

    it("exits 0 on SIGTERM (what ECS sends when it stops a task)", async () => {
        const code = await new Promise<number | null>((resolve) => {
            child.once("exit", (exitCode) => resolve(exitCode));
            child.kill("SIGTERM");
        });
        assert.strictEqual(code, 0);
        assert.match(output, /"msg":"shutting down","signal":"SIGTERM"/);
    });
});

// ---------------------------------------------------------------------------
// The Dockerfile rules, as a small linter over the text.

interface Instruction {
    /** 1-based line where the instruction starts. */
    readonly line: number;
    readonly keyword: string;
    readonly args: string;
}

/** Instructions with continuation lines joined and comments dropped. Parser directives (`# syntax=`) are returned as `#SYNTAX`. */
function instructions(text: string): Instruction[] {
    const result: Instruction[] = [];
    const lines = text.split("\n");
    let pending: { line: number; text: string } | undefined;
    for (let i = 0; i < lines.length; i++) {
        const raw = lines[i];
        const trimmed = raw.trim();
        const directive = /^#\s*syntax\s*=\s*(\S+)/i.exec(trimmed);
        if (directive && result.length === 0 && pending === undefined) {
            result.push({ line: i + 1, keyword: "#SYNTAX", args: directive[1] });
            continue;
        }
        if (trimmed.startsWith("#") || (trimmed === "" && pending === undefined)) {
            continue;
        }
        const piece = trimmed.endsWith("\\") ? trimmed.slice(0, -1) : trimmed;
        pending = pending === undefined ? { line: i + 1, text: piece } : { line: pending.line, text: `${pending.text} ${piece}` };
        if (!trimmed.endsWith("\\")) {
            const [keyword, ...rest] = pending.text.trim().split(/\s+/);
            result.push({ line: pending.line, keyword: keyword.toUpperCase(), args: rest.join(" ") });
            pending = undefined;
        }
    }
    return result;
}

const SECRET_WORDS = new Set(["SECRET", "SECRETS", "TOKEN", "PASSWORD", "PASSWD", "PASS", "PWD", "KEY", "APIKEY", "CREDENTIAL", "CREDENTIALS", "AUTH", "PRIVATE"]);
const PACKAGE_INSTALL = /\b(apt-get\s+install|apt\s+install|apk\s+add|npm\s+(ci|install|i)\b|yarn(\s+install)?\b|pnpm\s+(install|i)\b|pip3?\s+install)/;

/** True when a variable name has a word (split on `_`, `-` and case changes) that names a secret, e.g. `NPM_TOKEN`, `dbPassword`. */
function looksSecret(name: string): boolean {
    const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().split(/[_-]+/);
    return words.some((word) => SECRET_WORDS.has(word));
}

/** The names an ARG or ENV instruction declares. */
function declaredNames(instruction: Instruction): string[] {
    if (instruction.keyword === "ARG") {
        return [instruction.args.split("=")[0].trim()];
    }
    // `ENV A=1 B=2`, or the legacy `ENV A 1`.
    if (!instruction.args.includes("=")) {
        return [instruction.args.split(/\s+/)[0]];
    }
    return [...instruction.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]);
}

function dockerfileProblems(text: string): string[] {
    const problems: string[] = [];
    const all = instructions(text);
    const stageNames = new Set<string>();
    let finalStage: { line: number; name: string; body: Instruction[] } | undefined;

    for (const instruction of all) {
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
            const alias = tokens.length >= 3 && tokens[1].toUpperCase() === "AS" ? tokens[2].toLowerCase() : `#${stageNames.size}`;
            const at = image.indexOf("@");
            const fromStage = stageNames.has(image.toLowerCase());
            if (!fromStage && image !== "scratch" && (at === -1 || !isSha256Digest(image.slice(at + 1)))) {
                problems.push(`${where}: base image \`${image}\` is not pinned by digest; use \`${at === -1 ? image : image.slice(0, at)}@sha256:<64 hex>\` and update the digest on purpose`);
            }
            stageNames.add(alias);
            finalStage = { line: instruction.line, name: alias, body: [] };
            continue;
        }
        // Global ARGs (before the first FROM) count too.
        if (instruction.keyword === "ARG" || instruction.keyword === "ENV") {
            for (const name of declaredNames(instruction).filter(looksSecret)) {
                problems.push(`${where}: \`${instruction.keyword} ${name}\` looks like a secret; ARG and ENV values stay in the image, so pass it as a BuildKit secret (\`RUN --mount=type=secret,id=...\`)`);
            }
        }
        finalStage?.body.push(instruction);
    }

    if (finalStage === undefined) {
        problems.push("there is no FROM instruction");
        return problems;
    }
    const users = finalStage.body.filter((i) => i.keyword === "USER");
    const user = users[users.length - 1];
    if (user === undefined) {
        problems.push(`the final stage (line ${finalStage.line}) has no USER, so it runs as root; add a non-root user (e.g. \`USER node\`)`);
    } else if (/^(root|0)(:|$)/.test(user.args.trim())) {
        problems.push(`line ${user.line}: the final stage runs as \`${user.args.trim()}\`; use a non-root user (e.g. \`USER node\`)`);
    }
    for (const run of finalStage.body.filter((i) => i.keyword === "RUN")) {
        const install = PACKAGE_INSTALL.exec(run.args);
        if (install) {
            problems.push(`line ${run.line}: the final stage installs packages (\`${install[0]}\`); install them in the build stage and copy the result`);
        }
    }
    return problems;
}

const DIGEST = "2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0";

describe("examples/app Dockerfile", () => {
    const dockerfile = fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");

    it("follows every rule", () => {
        assert.deepStrictEqual(dockerfileProblems(dockerfile), []);
    });

    it("is multi-stage, and both stages start from a digest-pinned image", () => {
        const froms = instructions(dockerfile).filter((i) => i.keyword === "FROM").map((i) => i.args);
        assert.strictEqual(froms.length, 2);
        for (const from of froms) {
            assert.match(from, /^node:20-bookworm-slim@sha256:[0-9a-f]{64} AS (build|runtime)$/);
        }
    });

    it("mounts the npm token as a BuildKit secret in the build stage only", () => {
        const runs = instructions(dockerfile).filter((i) => i.keyword === "RUN");
        const withSecret = runs.filter((i) => i.args.includes("--mount=type=secret,id=npm_token"));
        assert.strictEqual(withSecret.length, 1);
        const runtimeFrom = instructions(dockerfile).filter((i) => i.keyword === "FROM")[1].line;
        assert.ok(withSecret[0].line < runtimeFrom, "the secret mount belongs to the build stage");
        // The token file is removed in the same RUN, before the layer is committed.
        assert.match(withSecret[0].args, /rm -f \/root\/\.npmrc/);
    });

    it("lets the build context leave out docs, git history and local node_modules", () => {
        const ignored = fs.readFileSync(path.join(APP_DIR, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
        for (const entry of ["docs/", ".git/", "node_modules"]) {
            assert.ok(ignored.includes(entry), `.dockerignore must list ${entry}`);
        }
    });

    describe("the linter catches each broken rule", () => {
        const cases: [string, string, string[]][] = [
            ["a tag without a digest", `FROM node:20-bookworm-slim\nUSER node\n`, [
                "line 1: base image `node:20-bookworm-slim` is not pinned by digest; use `node:20-bookworm-slim@sha256:<64 hex>` and update the digest on purpose",
            ]],
            ["`latest`", `FROM node:latest\nUSER node\n`, [
                "line 1: `FROM node:latest` uses `latest`, a moving tag; pin by digest",
                "line 1: base image `node:latest` is not pinned by digest; use `node:latest@sha256:<64 hex>` and update the digest on purpose",
            ]],
            ["a short digest", `FROM node@sha256:abc123\nUSER node\n`, [
                "line 1: base image `node@sha256:abc123` is not pinned by digest; use `node@sha256:<64 hex>` and update the digest on purpose",
            ]],
            ["no USER in the final stage", `FROM node@sha256:${DIGEST} AS build\nUSER node\nFROM node@sha256:${DIGEST}\nCMD ["node"]\n`, [
                "the final stage (line 3) has no USER, so it runs as root; add a non-root user (e.g. `USER node`)",
            ]],
            ["USER root last", `FROM node@sha256:${DIGEST}\nUSER node\nUSER 0:0\n`, [
                "line 3: the final stage runs as `0:0`; use a non-root user (e.g. `USER node`)",
            ]],
            ["secret-looking ARG and ENV names", `ARG GITHUB_TOKEN\nFROM node@sha256:${DIGEST}\nARG NPM_TOKEN=x\nENV APP_VERSION=1 dbPassword=2\nENV AWS_SECRET_ACCESS_KEY abc\nUSER node\n`, [
                "line 1: `ARG GITHUB_TOKEN` looks like a secret; ARG and ENV values stay in the image, so pass it as a BuildKit secret (`RUN --mount=type=secret,id=...`)",
                "line 3: `ARG NPM_TOKEN` looks like a secret; ARG and ENV values stay in the image, so pass it as a BuildKit secret (`RUN --mount=type=secret,id=...`)",
                "line 4: `ENV dbPassword` looks like a secret; ARG and ENV values stay in the image, so pass it as a BuildKit secret (`RUN --mount=type=secret,id=...`)",
                "line 5: `ENV AWS_SECRET_ACCESS_KEY` looks like a secret; ARG and ENV values stay in the image, so pass it as a BuildKit secret (`RUN --mount=type=secret,id=...`)",
            ]],
            ["packages installed in the final stage (across a continuation line)", `FROM node@sha256:${DIGEST}\nRUN apt-get update && \\\n    apt-get install -y curl\nUSER node\n`, [
                "line 2: the final stage installs packages (`apt-get install`); install them in the build stage and copy the result",
            ]],
            ["an unpinned syntax frontend", `# syntax=docker/dockerfile:1\nFROM node@sha256:${DIGEST}\nUSER node\n`, [
                "line 1: the `# syntax=docker/dockerfile:1` frontend is an image too; pin it by digest or drop the directive",
            ]],
        ];
        for (const [title, text, expected] of cases) {
            it(title, () => assert.deepStrictEqual(dockerfileProblems(text), expected));
        }

        it("accepts FROM of an earlier stage and harmless names (KEYBOARD_LAYOUT, AUTHOR)", () => {
            const text = `FROM node@sha256:${DIGEST} AS base\nFROM base AS runtime\nENV KEYBOARD_LAYOUT=us AUTHOR=me\nUSER 1000\n`;
            assert.deepStrictEqual(dockerfileProblems(text), []);
        });
    });
});
