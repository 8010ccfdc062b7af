// The example service image (examples/app) that the workflows build by default:
// the server answers its health check, and the Dockerfile is built as designed
// (two stages, the npm token as a BuildKit secret in the build stage only, a
// small build context). No Docker daemon is needed: the Dockerfile is read as
// text, the server runs under this Node.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { withDefaults } from "../../components/serviceDefaults";
import { ImageDigestRef } from "../../components/imageReference";
import { dockerfileInstructions } from "../../scripts/lint-dockerfile";
import * as yaml from "js-yaml";

const APP_DIR = path.resolve(__dirname, "..", "..", "examples", "app");

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
        const root = path.resolve(__dirname, "..", "..");
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

    it("passes the container health check DigestPinnedService gives it by default (run here as ECS runs it), and fails it on a 404", async () => {
        /** The task definition's default `healthCheck.command` for this port and path, run with this Node (the image's `node`). */
        const check = (healthPath?: string) => {
            const { command } = withDefaults(
                {
                    image: `r/x@sha256:${"0".repeat(64)}` as ImageDigestRef,
                    repositoryArn: "",
                    httpOnly: true,
                    containerPort: port,
                    healthCheck: healthPath === undefined ? undefined : { path: healthPath },
                },
                "svc",
                "test",
            ).containerHealthCheck;
            assert.deepStrictEqual(command.slice(0, 2), ["CMD", "node"]);
            return new Promise<number | null>((resolve) => {
                spawn(process.execPath, command.slice(2), { stdio: "ignore" }).on("exit", (code) => resolve(code));
            });
        };
        assert.strictEqual(await check(), 0, "the default path, /health");
        assert.strictEqual(await check("/healthz"), 0);
        assert.strictEqual(await check("/missing"), 1);
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
// The Dockerfile's own design. The general rules (digest-pinned bases, non-root
// USER, no secrets in ARG/ENV, no installs in the final stage) are
// scripts/lint-dockerfile.ts, run by CI and tested in ci/lintDockerfile.test.ts.

describe("examples/app Dockerfile", () => {
    const dockerfile = fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");

    it("is multi-stage, and both stages start from the same digest-pinned image of Node.js 26, the Active LTS line on 2026-12-07", () => {
        const froms = dockerfileInstructions(dockerfile)
            .filter((i) => i.keyword === "FROM")
            .map((i) => i.args);
        assert.deepStrictEqual(froms, [
            "node:26-bookworm-slim@sha256:81502e860176e63695d769d3d1a2d3a403abc1c27c6a02169b765f3e43b60ede AS build",
            "node:26-bookworm-slim@sha256:81502e860176e63695d769d3d1a2d3a403abc1c27c6a02169b765f3e43b60ede AS runtime",
        ]);
        // The digest is updated on purpose, with where it came from written beside it.
        assert.match(dockerfile, /docker-library\/repo-info repos\/node\/remote\/26-bookworm-slim\.md \(commit [0-9a-f]{7}\), read 2026-12-07/);
        assert.doesNotMatch(dockerfile, /node:20/, "no Node.js 20 left: its support ended on 2026-04-30");
        const app = JSON.parse(fs.readFileSync(path.join(APP_DIR, "package.json"), "utf8")) as { engines: { node: string } };
        assert.strictEqual(app.engines.node, ">=24", "the app states no Node.js line past its end of life");
    });

    it("mounts the npm token as a BuildKit secret in the build stage only", () => {
        const runs = dockerfileInstructions(dockerfile).filter((i) => i.keyword === "RUN");
        const withSecret = runs.filter((i) => i.args.includes("--mount=type=secret,id=npm_token"));
        assert.strictEqual(withSecret.length, 1);
        const runtimeFrom = dockerfileInstructions(dockerfile).filter((i) => i.keyword === "FROM")[1].line;
        assert.ok(withSecret[0].line < runtimeFrom, "the secret mount belongs to the build stage");
        // The token file is removed in the same RUN, before the layer is committed.
        assert.match(withSecret[0].args, /rm -f \/root\/\.npmrc/);
    });

    it("lets the build context leave out docs, git history and local node_modules", () => {
        const ignored = fs
            .readFileSync(path.join(APP_DIR, ".dockerignore"), "utf8")
            .split("\n")
            .map((l) => l.trim());
        for (const entry of ["docs/", ".git/", "node_modules"]) {
            assert.ok(ignored.includes(entry), `.dockerignore must list ${entry}`);
        }
    });
});
