// Child process for P4: times evaluations of index.ts under mocks in a fresh
// Node process (the first includes loading @pulumi/aws and @pulumi/awsx), and
// prints one JSON line: { firstMs, warmMs: [...] , resources }.
import { performance } from "perf_hooks";
import { evaluateUnderMocks } from "../testkit/evaluateUnderMocks";

// Git's Pulumi.dev.yaml names no image: evaluate the stack as one that runs an image, with its service.
const RUNNING = { image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@sha256:${"b".repeat(64)}`, imageTag: "v1.4.2" };

async function main() {
    const warm = Number(process.argv[2] ?? "2");
    let t = performance.now();
    const first = await evaluateUnderMocks({ stack: "dev", previousOutputs: RUNNING });
    const firstMs = performance.now() - t;
    const warmMs: number[] = [];
    for (let i = 0; i < warm; i++) {
        t = performance.now();
        await evaluateUnderMocks({ stack: "dev", previousOutputs: RUNNING });
        warmMs.push(performance.now() - t);
    }
    process.stdout.write(JSON.stringify({ firstMs, warmMs, resources: first.resources.length }) + "\n");
}

main().then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`evaluation failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exit(1);
    },
);
