// Not part of the bench: one deploy's timeline (CLI processes and AWS calls, ms from start), for
// finding where the driver's time goes. `bash scripts/with-tools.sh npx ts-node --transpile-only bench/timeline.ts`
import { performance } from "perf_hooks";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { deploy } from "../automation/commands/deploy";
import * as path from "path";
import { engineCalls, engineTools, PROJECT_ROOT } from "../automation/engine/tools";
import { tempBackend } from "../testkit/backend";
import { fixtureProject, fixtureStack } from "../testkit/fixture";
import { pushImage } from "../testkit/images";
import { startMoto, TEST_ACCOUNT, TEST_REGION } from "../testkit/moto";
import { startMotoProxy } from "../testkit/motoProxy";
import { timedRun } from "./cli";

const PULUMI = path.join(PROJECT_ROOT, ".tools", "bin", "pulumi");
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
let t0 = performance.now();
const at = () => (performance.now() - t0).toFixed(0).padStart(6);

async function main() {
    const moto = await startMoto();
    const proxy = await startMotoProxy(moto.endpoint, {
        beforeRequest(operation) {
            process.stderr.write(`${at()} aws ${operation}\n`);
        },
    });
    const backend = tempBackend("papyrus-timeline-");
    try {
        const workDir = fixtureProject(backend.dir);
        const ecr = new ECRClient({ region: TEST_REGION, endpoint: proxy.endpoint, credentials });
        const ecs = new ECSClient({ region: TEST_REGION, endpoint: proxy.endpoint, credentials });
        const stack = await fixtureStack(backend, "dev", {}, workDir);
        await stack.setConfig("papyrus:repositoryName", { value: "papyrus-api" });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: "papyrus-api", imageTagMutability: "IMMUTABLE" }));
        const images = [await pushImage(ecr, "papyrus-api", "v1.0.0"), await pushImage(ecr, "papyrus-api", "v2.0.0")];
        const tools = await engineTools();
        for (const [i, kind] of ["driver", "driver", "driver", "raw", "driver", "raw", "raw", "driver"].entries()) {
            const image = images[i % 2];
            t0 = performance.now();
            process.stderr.write(`---- ${kind} ${image.tag}\n`);
            if (kind === "driver") {
                const before = engineCalls.length;
                await deploy({ stackName: "dev", workDir, envVars: backend.env, ecr, ecs, requestedBy: "timeline", tag: image.tag });
                // Every CLI process the Automation API started for it (tools.ts `engineCalls`), ms from the deploy's start.
                for (const call of engineCalls.slice(before)) {
                    const from = (call.startedAt - t0).toFixed(0).padStart(6);
                    const to = (call.startedAt + (call.ms ?? NaN) - t0).toFixed(0).padStart(6);
                    process.stderr.write(`${from} cli ${call.args.slice(0, 2).join(" ")} … ended ${to}\n`);
                }
            } else {
                const env = { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", ...tools.env, ...backend.env };
                await timedRun(
                    PULUMI,
                    ["config", "set", "--stack", "dev", "papyrus:image", `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/papyrus-api@${image.digest}`],
                    workDir,
                    env,
                );
                const up = await timedRun(PULUMI, ["up", "--yes", "--skip-preview", "--stack", "dev"], workDir, env);
                process.stderr.write(`${at()} raw up took ${up.ms.toFixed(0)}\n`);
            }
            process.stderr.write(`${at()} done\n`);
        }
    } finally {
        await proxy.close();
        await moto.stop();
        backend.cleanup();
    }
}
main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
