// Read-only commands in a checkout that never deployed, or outside any project: they say which
// project and backend they looked in, and leave the directory as they found it (the project's
// `.pulumi-state` is made by the first update, not by a read).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { formatStatus } from "../../automation/cli/print";
import { history } from "../../automation/commands/history";
import { status } from "../../automation/commands/status";
import { verify } from "../../automation/commands/verify";

describe("reads in a checkout that never deployed", () => {
    let dir: string;
    const env = { PULUMI_BACKEND_URL: "" };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "papyrus-fresh-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: orders\nruntime: nodejs\n");
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  orders:repositoryName: orders-api\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const untouched = () => assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["Pulumi.dev.yaml", "Pulumi.yaml"]);
    const backend = () => `file://${path.join(dir, ".pulumi-state")}`;

    it("status: no stacks of the project, naming the backend and why it is empty; nothing created", async () => {
        const saved = process.env.PULUMI_BACKEND_URL;
        delete process.env.PULUMI_BACKEND_URL;
        try {
            const result = await status({ workDir: dir });
            assert.deepStrictEqual(result, {
                stacks: [],
                project: "orders",
                backendUrl: backend(),
                note: "its directory does not exist yet: the first update makes it",
            });
            assert.strictEqual(
                formatStatus(result),
                `no stacks of project \`orders\` in ${backend()} (its directory does not exist yet: the first update makes it)\n`,
            );
            untouched();
        } finally {
            if (saved !== undefined) process.env.PULUMI_BACKEND_URL = saved;
        }
    });

    for (const [name, run] of [
        ["history", () => history({ stackName: "dev", workDir: dir, envVars: env })],
        ["verify", () => verify({ stackName: "dev", workDir: dir, envVars: env })],
    ] as const) {
        it(`${name}: the stack does not exist in the named backend (exit 2); nothing created`, async () => {
            const saved = process.env.PULUMI_BACKEND_URL;
            delete process.env.PULUMI_BACKEND_URL;
            try {
                await assert.rejects(run(), {
                    name: "StackNotFoundError",
                    exitCode: 2,
                    message: `stack \`dev\` does not exist in ${backend()}; create it once with \`pulumi stack init dev\` (and \`pulumi up -s dev\` to create the repository) before deploying images to it`,
                });
                untouched();
            } finally {
                if (saved !== undefined) process.env.PULUMI_BACKEND_URL = saved;
            }
        });
    }
});
