// scripts/smoke-test.sh, the smoke test promote.yml hands to `papyrus-deploy promote --smoke-test`,
// run for real against a local server standing in for the test listener: 200 passes, anything
// else or nothing listening fails, and without PAPYRUS_TEST_URL (no test listener) it fails
// saying why, since it could check nothing.
import * as assert from "assert";
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";

const SCRIPT = path.resolve(__dirname, "..", "..", "scripts", "smoke-test.sh");

function runScript(env: Record<string, string>): Promise<{ status: number | null; output: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [SCRIPT], { env: { PATH: process.env.PATH ?? "", ...env } });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("close", (status) => resolve({ status, output }));
    });
}

describe("scripts/smoke-test.sh (promote.yml's smoke test at a PAUSE hook)", function () {
    this.timeout(60_000);
    const asked: string[] = [];
    let answer = 200;
    const server = http.createServer((request, response) => {
        asked.push(request.url ?? "");
        response.writeHead(answer).end();
    });
    let url: string;
    before(async () => {
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());
    const release = { PAPYRUS_STACK: "prod", PAPYRUS_IMAGE: "repo@sha256:abc", PAPYRUS_SERVICE_DEPLOYMENT: "arn:sd", PAPYRUS_STAGE: "POST_TEST_TRAFFIC_SHIFT" };

    it("passes when the test listener answers 200 on /health (or SMOKE_TEST_PATH)", async () => {
        answer = 200;
        asked.length = 0;
        const run = await runScript({ ...release, PAPYRUS_TEST_URL: `${url}/` });
        assert.strictEqual(run.status, 0, run.output);
        assert.match(run.output, /smoke test: GET http:\/\/127\.0\.0\.1:\d+\/health \(repo@sha256:abc, deployment arn:sd at POST_TEST_TRAFFIC_SHIFT\)/);
        const other = await runScript({ ...release, PAPYRUS_TEST_URL: url, SMOKE_TEST_PATH: "/ready" });
        assert.strictEqual(other.status, 0, other.output);
        assert.deepStrictEqual(asked, ["/health", "/ready"]);
    });

    it("fails when the new tasks answer anything else, or nothing listens", async () => {
        answer = 503;
        const failed = await runScript({ ...release, PAPYRUS_TEST_URL: url, SMOKE_TEST_RETRIES: "0" });
        assert.strictEqual(failed.status, 1);
        assert.match(failed.output, /answered 503, not 200/);
        const closed = await runScript({ ...release, PAPYRUS_TEST_URL: "http://127.0.0.1:9", SMOKE_TEST_RETRIES: "0" });
        assert.strictEqual(closed.status, 1);
        assert.match(closed.output, /could not be reached/);
    });

    it("fails without PAPYRUS_TEST_URL, saying the stack has no test listener", async () => {
        const run = await runScript(release);
        assert.strictEqual(run.status, 1);
        assert.match(run.output, /prod has no test listener \(no testListenerUrl output\)/);
    });
});
