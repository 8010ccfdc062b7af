// `--progress steps`: engine events as one line per resource operation (automation/cli/progress.ts).
import * as assert from "assert";
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
import { engineStepLine } from "../../automation/cli/progress";
import { progressStyle } from "../../automation/cli/flagValues";

const URN = "urn:pulumi:dev::papyrus::papyrus:aws:DigestPinnedService$aws:ecs/service:Service::web";

function step(op: StepEventMetadata["op"], more: Partial<StepEventMetadata> = {}): EngineEvent {
    return { sequence: 1, timestamp: 0, resourcePreEvent: { metadata: { op, urn: URN, type: "aws:ecs/service:Service", provider: "", ...more } } };
}

describe("engine progress, one line per resource operation", () => {
    it("names the operation, the type and the resource, and what changed", () => {
        const table: [EngineEvent, string | undefined][] = [
            [step("create"), "+ create aws:ecs/service:Service web"],
            [step("update", { diffs: ["taskDefinition"] }), "~ update aws:ecs/service:Service web [diff: taskDefinition]"],
            [
                step("update", { detailedDiff: { image: { diffKind: "update" as never, inputDiff: true } } }),
                "~ update aws:ecs/service:Service web [diff: image]",
            ],
            [step("update"), "~ update aws:ecs/service:Service web"],
            [step("replace", { diffs: ["containerDefinitions"] }), "+- replace aws:ecs/service:Service web [diff: containerDefinitions]"],
            [step("delete"), "- delete aws:ecs/service:Service web"],
            [step("same"), undefined],
            [step("create-replacement"), undefined],
            [step("delete-replaced"), undefined],
            [step("read"), undefined],
            [step("update", { type: "pulumi:pulumi:Stack" }), undefined],
            [step("update", { type: "pulumi:providers:aws" }), undefined],
            [
                { sequence: 2, timestamp: 0, resOpFailedEvent: { metadata: step("update").resourcePreEvent!.metadata, status: 1, steps: 1 } },
                "! update failed: aws:ecs/service:Service web",
            ],
            [
                { sequence: 3, timestamp: 0, diagnosticEvent: { message: "  the image is not pinned\nsecond line", color: "never", severity: "error" } },
                "error: the image is not pinned",
            ],
            [{ sequence: 4, timestamp: 0, diagnosticEvent: { message: "just saying", color: "never", severity: "info" } }, undefined],
            [
                {
                    sequence: 5,
                    timestamp: 0,
                    summaryEvent: { maybeCorrupt: false, durationSeconds: 5, resourceChanges: { replace: 1, same: 1, update: 1, create: 0 }, policyPacks: {} },
                },
                "= 1 replace, 1 same, 1 update (5s)",
            ],
            [
                { sequence: 6, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: {}, policyPacks: {} } },
                "= no changes (1s)",
            ],
            [{ sequence: 7, timestamp: 0, stdoutEvent: { message: "Updating (dev)", color: "never" } }, undefined],
        ];
        assert.deepStrictEqual(
            table.map(([event]) => engineStepLine(event)),
            table.map(([, line]) => line),
        );
    });

    it("takes `engine` or `steps` for --progress, and names the flag and the value otherwise", () => {
        assert.deepStrictEqual([progressStyle("engine", "--progress"), progressStyle("steps", "--progress")], ["engine", "steps"]);
        assert.throws(() => progressStyle("quiet", "--progress"), {
            message: "`--progress` must be `engine` (the engine's own output) or `steps` (one line per resource operation), got `quiet`",
        });
    });
});
