// The moto the suites of one mocha process share (testkit/moto.ts): lent to one suite after another,
// emptied between them, and replaced when it stopped answering.
import * as assert from "assert";
import * as fs from "fs";
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { sharedMoto, TEST_REGION } from "../../testkit/moto";

const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

async function repositories(endpoint: string): Promise<string[]> {
    const ecr = new ECRClient({ region: TEST_REGION, endpoint, credentials });
    try {
        return ((await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? []).map((r) => r.repositoryName!);
    } finally {
        ecr.destroy();
    }
}

/** The moto_server processes listening on `port` (from /proc). */
function motoProcesses(port: number): number[] {
    return fs.readdirSync("/proc").flatMap((entry) => {
        if (!/^\d+$/.test(entry)) return [];
        try {
            const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            return argv.some((a) => a.endsWith("moto_server")) && argv.includes(String(port)) ? [Number(entry)] : [];
        } catch {
            return [];
        }
    });
}

describe("the shared moto (testkit/moto.ts)", function () {
    this.timeout(120_000);

    it("lends the same server to the next suite, emptied: what one suite created, the next does not see", async () => {
        // kills: a server lent on with the last suite's state (reset neither on release nor when taken), and a new server per suite
        const first = await sharedMoto();
        const ecr = new ECRClient({ region: TEST_REGION, endpoint: first.endpoint, credentials });
        try {
            await ecr.send(new CreateRepositoryCommand({ repositoryName: "left-behind" }));
        } finally {
            ecr.destroy();
        }
        assert.deepStrictEqual(await repositories(first.endpoint), ["left-behind"]);
        await first.release();
        const second = await sharedMoto();
        try {
            assert.strictEqual(second.endpoint, first.endpoint);
            assert.deepStrictEqual(await repositories(second.endpoint), []);
        } finally {
            await second.release();
        }
    });

    it("starts a new server for the next suite when the shared one stopped answering", async () => {
        const first = await sharedMoto();
        await first.release();
        const [pid] = motoProcesses(first.port);
        assert.ok(pid, `a moto_server on port ${first.port}`);
        process.kill(pid, "SIGKILL");
        const deadline = Date.now() + 10_000;
        while (motoProcesses(first.port).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const next = await sharedMoto();
        try {
            assert.notStrictEqual(next.port, first.port);
            assert.deepStrictEqual(await repositories(next.endpoint), []);
        } finally {
            await next.release();
        }
    });
});
