// scripts/lint-dockerfile.ts: the Dockerfile rules CI applies before every
// build (ecr-push.yml). Each rule is broken once below and must be reported
// with its exact message; the real examples/app/Dockerfile must pass, in
// process and as CI runs the script.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import { dockerfileInstructions, dockerfileProblems, main } from "../../scripts/lint-dockerfile";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "examples", "app", "Dockerfile");
const DIGEST = "2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0";
const PINNED = `node@sha256:${DIGEST}`;
const SECRET_ADVICE = "looks like a secret; ARG and ENV values stay in the image, so pass it as a BuildKit secret (`RUN --mount=type=secret,id=...`)";

describe("lint-dockerfile: each rule, broken once", () => {
    // [title, Dockerfile, exact problems]; the comment names the mutation of scripts/lint-dockerfile.ts the case kills.
    const cases: [string, string, string[]][] = [
        // kills: dropping the digest check on FROM
        [
            "a tag without a digest",
            `FROM node:20-bookworm-slim\nUSER node\n`,
            [
                "line 1: base image `node:20-bookworm-slim` is not pinned by digest; use `node:20-bookworm-slim@sha256:<64 hex>` and update the digest on purpose",
            ],
        ],
        // kills: dropping the `latest` rule
        [
            "`latest`",
            `FROM node:latest\nUSER node\n`,
            [
                "line 1: `FROM node:latest` uses `latest`, a moving tag; pin by digest",
                "line 1: base image `node:latest` is not pinned by digest; use `node:latest@sha256:<64 hex>` and update the digest on purpose",
            ],
        ],
        // kills: accepting any `@` instead of a full sha256 digest
        [
            "a short digest",
            `FROM node@sha256:abc123\nUSER node\n`,
            ["line 1: base image `node@sha256:abc123` is not pinned by digest; use `node@sha256:<64 hex>` and update the digest on purpose"],
        ],
        // kills: treating a `--platform` flag as the image
        [
            "an unpinned image after --platform",
            `FROM --platform=linux/amd64 node:20 AS build\nFROM ${PINNED}\nUSER node\n`,
            ["line 1: base image `node:20` is not pinned by digest; use `node:20@sha256:<64 hex>` and update the digest on purpose"],
        ],
        // kills: checking USER in any stage instead of the final one
        [
            "no USER in the final stage",
            `FROM ${PINNED} AS build\nUSER node\nFROM ${PINNED}\nCMD ["node"]\n`,
            ["the final stage (line 3) has no USER, so it runs as root; add a non-root user (e.g. `USER node`)"],
        ],
        // kills: taking the first USER of the stage instead of the last
        ["USER 0:0 last", `FROM ${PINNED}\nUSER node\nUSER 0:0\n`, ["line 3: the final stage runs as `0:0`; use a non-root user (e.g. `USER node`)"]],
        // kills: dropping `root` from the root-user check
        ["USER root", `FROM ${PINNED}\nUSER root\n`, ["line 2: the final stage runs as `root`; use a non-root user (e.g. `USER node`)"]],
        // kills: dropping the ARG/ENV secret rule, global ARGs, or the camelCase and legacy ENV forms
        [
            "secret-looking ARG and ENV names",
            `ARG GITHUB_TOKEN\nFROM ${PINNED}\nARG NPM_TOKEN=x\nENV APP_VERSION=1 dbPassword=2\nENV AWS_SECRET_ACCESS_KEY abc\nUSER node\n`,
            [
                `line 1: \`ARG GITHUB_TOKEN\` ${SECRET_ADVICE}`,
                `line 3: \`ARG NPM_TOKEN\` ${SECRET_ADVICE}`,
                `line 4: \`ENV dbPassword\` ${SECRET_ADVICE}`,
                `line 5: \`ENV AWS_SECRET_ACCESS_KEY\` ${SECRET_ADVICE}`,
            ],
        ],
        // kills: reading only the first name of an ARG that declares several
        ["a secret as the second name of one ARG", `FROM ${PINNED}\nARG APP_VERSION=1 API_KEY\nUSER node\n`, [`line 2: \`ARG API_KEY\` ${SECRET_ADVICE}`]],
        // kills: not joining continuation lines (the install is on line 3, reported at the RUN's line 2)
        [
            "packages installed in the final stage, across a continuation line",
            `FROM ${PINNED}\nRUN apt-get update && \\\n    apt-get install -y curl\nUSER node\n`,
            ["line 2: the final stage installs packages (`apt-get install`); install them in the build stage and copy the result"],
        ],
        // kills: dropping package managers other than apt from the install rule
        [
            "npm ci, apk add and a bare yarn in the final stage",
            `FROM ${PINNED}\nRUN npm ci --omit=dev\nRUN apk --no-cache add curl\nRUN yarn && yarn build\nUSER node\n`,
            [
                "line 2: the final stage installs packages (`npm ci`); install them in the build stage and copy the result",
                "line 3: the final stage installs packages (`apk --no-cache add`); install them in the build stage and copy the result",
                "line 4: the final stage installs packages (`yarn`); install them in the build stage and copy the result",
            ],
        ],
        // kills: dropping the `# syntax=` rule
        [
            "an unpinned syntax frontend",
            `# syntax=docker/dockerfile:1\nFROM ${PINNED}\nUSER node\n`,
            ["line 1: the `# syntax=docker/dockerfile:1` frontend is an image too; pin it by digest or drop the directive"],
        ],
        // kills: returning no problems for a file without any stage
        ["no FROM at all", `ARG APP_VERSION\n`, ["there is no FROM instruction"]],
    ];
    for (const [title, text, expected] of cases) {
        it(title, () => assert.deepStrictEqual(dockerfileProblems(text), expected));
    }
});

describe("lint-dockerfile: what it accepts", () => {
    const cases: [string, string][] = [
        // kills: demanding a digest on `FROM <earlier stage>`, or flagging KEY/AUTH as substrings of harmless names
        [
            "FROM of an earlier stage, harmless names (KEYBOARD_LAYOUT, AUTHOR)",
            `FROM ${PINNED} AS base\nFROM base AS runtime\nENV KEYBOARD_LAYOUT=us AUTHOR=me\nUSER 1000\n`,
        ],
        // kills: forgetting the USER a stage inherits from the stage it starts from
        ["a final stage that inherits a non-root USER from an earlier stage", `FROM ${PINNED} AS base\nUSER node\nFROM base\nCMD ["node"]\n`],
        // kills: applying the install rule to build stages, or matching `yarn build` as an install
        [
            "installs in a build stage, `yarn build` and `npm run` in the final one",
            `FROM ${PINNED} AS build\nRUN npm ci && apt-get install -y git\nFROM ${PINNED}\nRUN yarn build && npm run check\nUSER node\n`,
        ],
        // kills: ending an instruction at a blank line inside a continuation (Docker skips it)
        ["a blank line inside a continuation", `FROM ${PINNED}\nRUN echo a && \\\n\n    echo b\nUSER node\n`],
        ["`FROM scratch`", `FROM scratch\nUSER 65534\n`],
    ];
    for (const [title, text] of cases) {
        it(title, () => assert.deepStrictEqual(dockerfileProblems(text), []));
    }

    it("the real examples/app/Dockerfile", () => {
        assert.deepStrictEqual(dockerfileProblems(fs.readFileSync(EXAMPLE, "utf8")), []);
    });
});

describe("lint-dockerfile: instructions", () => {
    it("joins continuation lines, skips comments and blank lines, and keeps each instruction's first line", () => {
        // kills: numbering an instruction by its last line, or keeping comment lines inside a continuation
        assert.deepStrictEqual(dockerfileInstructions("# syntax=docker/dockerfile:1@sha256:" + DIGEST + "\n\nfrom x AS y\nRUN a \\\n  # note\n  b\n"), [
            { line: 1, keyword: "#SYNTAX", args: `docker/dockerfile:1@sha256:${DIGEST}` },
            { line: 3, keyword: "FROM", args: "x AS y" },
            { line: 4, keyword: "RUN", args: "a b" },
        ]);
    });
});

describe("lint-dockerfile: the command", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-lint-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function runMain(args: string[]) {
        const out = new PassThrough();
        const err = new PassThrough();
        let stdout = "";
        let stderr = "";
        out.on("data", (c) => (stdout += c));
        err.on("data", (c) => (stderr += c));
        const code = main(args, err, out);
        return { code, stdout, stderr };
    }

    it("exits 1 and prints each problem with its file when one file breaks a rule", () => {
        // kills: a main() that prints problems but exits 0 (CI would build anyway)
        const bad = path.join(dir, "Dockerfile.bad");
        fs.writeFileSync(bad, "FROM node:20\nUSER root\n");
        const run = runMain([EXAMPLE, bad]);
        assert.strictEqual(run.code, 1);
        assert.strictEqual(run.stdout, `${EXAMPLE}: follows the Dockerfile rules\n`);
        assert.strictEqual(
            run.stderr,
            `${bad}: line 1: base image \`node:20\` is not pinned by digest; use \`node:20@sha256:<64 hex>\` and update the digest on purpose\n` +
                `${bad}: line 2: the final stage runs as \`root\`; use a non-root user (e.g. \`USER node\`)\n`,
        );
    });

    it("exits 2 for no file, a flag, or a file it cannot read", () => {
        // kills: treating a missing Dockerfile as one with no problems
        assert.deepStrictEqual(runMain([]), { code: 2, stdout: "", stderr: "usage: lint-dockerfile.ts <Dockerfile>...\n" });
        assert.strictEqual(runMain(["--fix", EXAMPLE]).code, 2);
        const missing = runMain([path.join(dir, "nope")]);
        assert.strictEqual(missing.code, 2);
        assert.match(missing.stderr, /^lint-dockerfile: cannot read `.+\/nope`: ENOENT/);
    });

    it("passes examples/app/Dockerfile when run as CI runs it (ts-node, from the repository root)", () => {
        // kills: a script that only works in process (no `require.main` entry point)
        const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/lint-dockerfile.ts", "examples/app/Dockerfile"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.stdout, "examples/app/Dockerfile: follows the Dockerfile rules\n");
    });
});
