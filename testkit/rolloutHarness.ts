// The setup the rollout suites share (test/engine/rollout.test.ts, rolloutRaces.test.ts): the real
// engine on a fresh `file://` backend and fixture project whose stand-in registers task definitions
// and updates the service in moto's ECS, and the lifecycle proxy of ./ecsRollout.ts in front of
// moto's ECS, because moto runs no deployments. Each test gets a reset moto, a new proxy, backend
// and project, the `papyrus-api` repository (IMMUTABLE) with the suite's tags pushed, and a stack
// `dev` whose service is `api` in cluster `papyrus`; afterwards no process may be left behind.
import * as fs from "fs";
import * as path from "path";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { DeploymentConfiguration, ECSClient } from "@aws-sdk/client-ecs";
import type { Stack } from "@pulumi/pulumi/automation";
import type { EvidenceRecord } from "../automation/record/evidence";
import { tempBackend, TempBackend } from "./backend";
import { assertNoProcessLeft } from "./cliProcess";
import { EcsRolloutProxy, startEcsRolloutProxy } from "./ecsRollout";
import { fixtureDeploymentConfig, fixtureProject, fixtureStack } from "./fixture";
import { pushImage, PushedImage } from "./images";
import { SharedMoto, sharedMoto, TEST_ACCOUNT, TEST_REGION } from "./moto";

export const ROLLOUT_REPO = "papyrus-api";
export const ROLLOUT_REPO_URL = `${TEST_ACCOUNT}.dkr.ecr.${TEST_REGION}.amazonaws.com/${ROLLOUT_REPO}`;
const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };

/** `text` as a regular expression that matches it literally. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export interface RolloutHarness {
    /** The suite's moto (ECR and ECS without the proxy). */
    readonly moto: SharedMoto;
    /** ECR on moto. */
    readonly ecr: ECRClient;
    /** This test's lifecycle proxy; the engine's stand-in and `ecs` talk to ECS through it. */
    readonly proxy: EcsRolloutProxy;
    /** ECS through the proxy. */
    readonly ecs: ECSClient;
    readonly backend: TempBackend;
    /** The fixture project (checkout) of stack `dev`. */
    readonly workDir: string;
    /** Stack `dev` of the fixture project. */
    readonly stack: Stack;
    /**
     * Makes the stand-in send `configuration` as ECS's `deploymentConfiguration` on its next CreateService/UpdateService
     * (stack config `papyrus:fixtureDeploymentConfiguration`), e.g. a canary with a PAUSE hook the proxy then plays.
     */
    deploymentConfiguration(configuration: DeploymentConfiguration): Promise<void>;
    /** The images pushed for this test, by tag. */
    readonly pushed: Readonly<Record<string, PushedImage>>;
    /** The engine's environment: the backend, moto, and ECS through the proxy. */
    engineEnv(): Record<string, string>;
    /** The driver's options for stack `dev`, requested by alice, polling fast; `extra` overrides. */
    ctx(extra?: Record<string, unknown>): {
        stackName: string;
        workDir: string;
        envVars: Record<string, string>;
        ecr: ECRClient;
        ecs: ECSClient;
        requestedBy: string;
        rolloutPollMs: number;
        progressMs: number;
        [key: string]: unknown;
    };
    /** The image reference the stack records for a pushed image. */
    image(pushed: PushedImage): string;
    /** A path for an `--evidence` file in this test's backend directory. */
    evidenceFile(name: string): string;
    readEvidence(name: string): EvidenceRecord;
}

/**
 * Registers the hooks (call it inside `describe`, before the suite's own hooks) and returns the
 * harness, whose fields are set for each test. `tags` are pushed to the repository in order.
 */
export function rolloutHarness(tags: readonly string[]): RolloutHarness {
    const state: {
        moto?: SharedMoto;
        ecr?: ECRClient;
        proxy?: EcsRolloutProxy;
        ecs?: ECSClient;
        backend?: TempBackend;
        workDir?: string;
        stack?: Stack;
        pushed: Record<string, PushedImage>;
    } = { pushed: {} };
    const need = <T>(value: T | undefined, name: string): T => {
        if (value === undefined) throw new Error(`the rollout harness has no ${name} outside a test (call rolloutHarness() inside describe)`);
        return value;
    };

    before(async () => {
        state.moto = await sharedMoto();
        state.ecr = new ECRClient({ region: TEST_REGION, endpoint: state.moto.endpoint, credentials });
    });
    after(async () => {
        state.ecr?.destroy();
        await state.moto?.release();
    });
    beforeEach(async () => {
        const moto = need(state.moto, "moto");
        const ecr = need(state.ecr, "ECR client");
        await moto.reset();
        state.proxy = await startEcsRolloutProxy(moto.endpoint);
        state.ecs = new ECSClient({ region: TEST_REGION, endpoint: state.proxy.endpoint, credentials });
        state.backend = tempBackend();
        state.workDir = fixtureProject(state.backend.dir);
        const stack = await fixtureStack(state.backend, "dev", {}, state.workDir);
        state.stack = stack;
        await stack.setAllConfig({
            "papyrus:repositoryName": { value: ROLLOUT_REPO },
            "papyrus:fixtureEcs": { value: "true" },
            "papyrus:fixtureClusterName": { value: "papyrus" },
            "papyrus:fixtureServiceName": { value: "api" },
        });
        await ecr.send(new CreateRepositoryCommand({ repositoryName: ROLLOUT_REPO, imageTagMutability: "IMMUTABLE" }));
        state.pushed = {};
        for (const tag of tags) state.pushed[tag] = await pushImage(ecr, ROLLOUT_REPO, tag);
    });
    afterEach(async () => {
        state.ecs?.destroy();
        await state.proxy?.close();
        if (state.backend === undefined) return;
        try {
            await assertNoProcessLeft(state.backend.dir);
        } finally {
            state.backend.cleanup();
        }
    });

    const harness: RolloutHarness = {
        get moto() {
            return need(state.moto, "moto");
        },
        get ecr() {
            return need(state.ecr, "ECR client");
        },
        get proxy() {
            return need(state.proxy, "proxy");
        },
        get ecs() {
            return need(state.ecs, "ECS client");
        },
        get backend() {
            return need(state.backend, "backend");
        },
        get workDir() {
            return need(state.workDir, "project directory");
        },
        get stack() {
            return need(state.stack, "stack");
        },
        deploymentConfiguration: (configuration) => harness.stack.setAllConfig(fixtureDeploymentConfig(configuration)),
        get pushed() {
            return state.pushed;
        },
        // The engine's stand-in talks to ECS through the proxy too, so UpdateService starts a deployment there.
        engineEnv: () => ({ ...harness.backend.env, ...harness.moto.env, AWS_ENDPOINT_URL_ECS: harness.proxy.endpoint }),
        ctx: (extra = {}) => ({
            stackName: "dev",
            workDir: harness.workDir,
            envVars: harness.engineEnv(),
            ecr: harness.ecr,
            ecs: harness.ecs,
            requestedBy: "alice",
            rolloutPollMs: 50,
            progressMs: 0,
            ...extra,
        }),
        image: (pushed) => `${ROLLOUT_REPO_URL}@${pushed.digest}`,
        evidenceFile: (name) => path.join(harness.backend.dir, "evidence", name),
        readEvidence: (name) => JSON.parse(fs.readFileSync(harness.evidenceFile(name), "utf8")),
    };
    return harness;
}
