// Which digests a stack protects and how its slots move (automation/aws/protect.ts), table-driven and pure.
import * as assert from "assert";
import { Deployment } from "../../automation/record/history";
import { isProtectedDeployment, planSlots, protectedDigests, unprotectedSourceWarning, unprotectedTargetWarning } from "../../automation/aws/protect";
import { parseStackSetting } from "../../automation/record/updateConfig";

/** `papyrus:protectDeployments` as the driver reads it (the config schema's reader). */
const protectedDeploymentCount = (value: string | undefined) => parseStackSetting("papyrus", "protectDeployments", value);

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const [A, B, C, D, X] = ["a", "b", "c", "d", "e"].map(digest);

/** Newest first, as history is. */
function deployment(version: number, result: string, d: string | undefined, operation = "update"): Deployment {
    const release = { verdict: result === "succeeded" ? "completed" : "failed", reason: "(not read here)" } as const;
    return { version, operation, kind: "deploy", result, startTime: new Date(version * 1000), digest: d, runner: "driver", release };
}

describe("protectedDeploymentCount (papyrus:protectDeployments)", () => {
    const good: Array<[string | undefined, number]> = [
        [undefined, 10],
        ["", 10],
        ["1", 1],
        ["10", 10],
        ["50", 50],
    ];
    for (const [value, count] of good) {
        it(`${JSON.stringify(value)} → ${count}`, () => assert.strictEqual(protectedDeploymentCount(value), count));
    }
    for (const value of ["0", "51", "ten", "5.0", "-3", "07"]) {
        it(`refuses ${value}`, () =>
            assert.throws(() => protectedDeploymentCount(value), {
                name: "InvalidInputError",
                message: `\`papyrus:protectDeployments\` must be a whole number from 1 to 50 (how many of the stack's latest distinct digests the lifecycle policy keeps; default 10), got \`${value}\``,
            }));
    }
});

describe("protectedDigests", () => {
    const cases: Array<[string, Deployment[], string | undefined, number, string[]]> = [
        ["nothing deployed", [], undefined, 10, []],
        [
            "the running digest first, then succeeded updates newest first",
            [deployment(3, "succeeded", C), deployment(2, "succeeded", B), deployment(1, "succeeded", A)],
            C,
            10,
            [C, B, A],
        ],
        [
            "each digest once: a rollback to v1 does not take a second place",
            [deployment(3, "succeeded", A), deployment(2, "succeeded", B), deployment(1, "succeeded", A)],
            A,
            10,
            [A, B],
        ],
        [
            "no more than `keep`",
            [deployment(4, "succeeded", D), deployment(3, "succeeded", C), deployment(2, "succeeded", B), deployment(1, "succeeded", A)],
            D,
            2,
            [D, C],
        ],
        [
            // A failed update that got as far as the service runs its digest: it is protected, first.
            "the running digest of a failed update, then the succeeded ones",
            [deployment(3, "failed", C), deployment(2, "succeeded", B), deployment(1, "succeeded", A)],
            C,
            2,
            [C, B],
        ],
        [
            "failed updates that did not apply, refreshes and updates without an image do not count",
            [
                deployment(5, "failed", D),
                deployment(4, "succeeded", undefined),
                deployment(3, "succeeded", C, "refresh"),
                deployment(2, "succeeded", B),
                deployment(1, "succeeded", A),
            ],
            B,
            10,
            [B, A],
        ],
        [
            "a state that runs nothing (after a destroy): the succeeded ones",
            [deployment(2, "succeeded", B), deployment(1, "succeeded", A)],
            undefined,
            10,
            [B, A],
        ],
    ];
    for (const [title, deployments, running, keep, expected] of cases) {
        it(title, () => assert.deepStrictEqual(protectedDigests(deployments, running, keep), expected));
    }
});

describe("planSlots", () => {
    const tag = (slot: number) => `deployed-dev-slot${slot}`;
    type Case = [string, Record<number, string>, string[], number, Array<[number, string, string?]>, string[]];
    const cases: Case[] = [
        ["a first deploy takes slot 1", {}, [A], 10, [[1, A]], []],
        ["a new digest takes the next empty slot; kept ones stay", { 1: A }, [B, A], 10, [[2, B]], []],
        ["nothing to do when every wanted digest holds a slot", { 1: A, 2: B }, [B, A], 10, [], []],
        ["a full set: the digest that fell out gives its slot to the new one", { 1: A, 2: B }, [C, A], 2, [[2, C, B]], [B]],
        ["a stale slot with nothing missing moves to the newest wanted digest", { 1: A, 2: B }, [A], 2, [[2, A, B]], [B]],
        ["a stale slot is reused before an empty one", { 1: A, 3: X }, [A, B], 3, [[3, B, X]], [X]],
        ["an empty slot is used before a duplicate one", { 1: A, 2: A }, [A, B], 10, [[3, B]], []],
        ["a duplicate slot is reused when no slot is empty", { 1: A, 2: A }, [A, B], 2, [[2, B, A]], []],
        ["a duplicate slot is left alone otherwise", { 1: A, 2: A }, [A], 10, [], []],
        [
            "after `keep` was lowered, slots above it are released to the newest",
            { 1: A, 2: B, 3: C },
            [A],
            1,
            [
                [2, A, B],
                [3, A, C],
            ],
            [B, C],
        ],
        ["slots above `keep` that hold a wanted digest stay", { 1: A, 5: B }, [A, B], 2, [[2, B]], []],
        ["nothing wanted (no deployment): nothing moves", { 1: A }, [], 10, [], []],
    ];
    for (const [title, current, wanted, keep, moves, released] of cases) {
        it(title, () => {
            const plan = planSlots("dev", new Map(Object.entries(current).map(([k, v]) => [Number(k), v])), wanted, keep);
            assert.deepStrictEqual(plan, {
                moves: moves.map(([slot, d, from]) => ({ slot, tag: tag(slot), digest: d, ...(from === undefined ? {} : { from }) })),
                released,
            });
        });
    }

    it("after the plan every wanted digest holds a slot within `keep`, for every starting point of a small table", () => {
        const digests = [A, B, C, D, X];
        for (let seed = 0; seed < 200; seed++) {
            const pick = (n: number) => digests[(seed * 7 + n * 13) % digests.length];
            const current = new Map<number, string>();
            for (let slot = 1; slot <= 4; slot++) if ((seed >> slot) & 1) current.set(slot, pick(slot));
            const keep = 1 + (seed % 4);
            const wanted = [...new Set([pick(9), pick(11), pick(17)])].slice(0, keep);
            const plan = planSlots("dev", current, wanted, keep);
            const after = new Map(current);
            for (const m of plan.moves) after.set(m.slot, m.digest);
            for (const w of wanted)
                assert.ok(
                    [...after].some(([slot, d]) => d === w && slot <= keep),
                    `seed ${seed}: ${w} unprotected`,
                );
            assert.ok([...after.values()].every((d) => wanted.includes(d)) || wanted.length === 0, `seed ${seed}: a stale slot was left`);
        }
    });
});

describe("the warnings for targets outside the protected set", () => {
    it("rollback: a target without the stack's protective tag", () => {
        assert.strictEqual(
            unprotectedTargetWarning({ tags: ["v1.0.0", "deployed-prod-slot1"], repositoryName: "papyrus-api" }, "dev", `rollback target (update 2, ${A})`),
            `rollback target (update 2, ${A}) is outside the stack's protected deployments (it carries no \`deployed-dev-slot<n>\` tag in \`papyrus-api\`), ` +
                "so the repository's lifecycle policy may expire or archive it; it exists now, and once it runs it is protected again",
        );
        assert.strictEqual(unprotectedTargetWarning({ tags: ["v1.0.0", "deployed-dev-slot7"], repositoryName: "papyrus-api" }, "dev", "x"), undefined);
    });

    it("promote: a source deployment outside the source's protected set", () => {
        assert.strictEqual(
            unprotectedSourceWarning({ stack: "dev", version: 3, digest: A, protected: false }, "dev", "papyrus"),
            `update 3 of \`dev\` (${A}) is outside \`dev\`'s protected deployments (\`papyrus:protectDeployments\`), ` +
                "so lifecycle policies may expire it; it was found in this stack's repository, and once it runs here it is protected here",
        );
        assert.strictEqual(unprotectedSourceWarning({ stack: "dev", version: 3, digest: A, protected: true }, "dev", "papyrus"), undefined);
        assert.strictEqual(unprotectedSourceWarning({ stack: "dev", version: 3, digest: A }, "dev", "papyrus"), undefined, "what dev runs now is protected");
    });
});

// Slot choices whose order matters (from `npm run mutate` survivors).
describe("planSlots: order and leftovers", () => {
    const tag = (slot: number) => `deployed-dev-slot${slot}`;
    const plan = (current: Array<[number, string]>, wanted: string[], keep: number) => planSlots("dev", new Map(current), wanted, keep);

    it("gives missing digests stale slots, then empty ones, then duplicates, each slot once", () => {
        // kills: the duplicates filter → every free slot (slot 1 would be given twice)
        assert.deepStrictEqual(
            plan(
                [
                    [1, X],
                    [2, A],
                    [3, A],
                ],
                [A, B, C],
                3,
            ),
            {
                moves: [
                    { slot: 1, tag: tag(1), digest: B, from: X },
                    { slot: 3, tag: tag(3), digest: C, from: A },
                ],
                released: [X],
            },
        );
    });

    it("moves a stale slot no missing digest took to the newest wanted digest, besides the one that did", () => {
        // kills: `m.slot === s` → true (a move elsewhere would keep slot 2 stale)
        assert.deepStrictEqual(
            plan(
                [
                    [1, X],
                    [2, D],
                ],
                [A],
                2,
            ),
            {
                moves: [
                    { slot: 1, tag: tag(1), digest: A, from: X },
                    { slot: 2, tag: tag(2), digest: A, from: D },
                ],
                released: [X, D],
            },
        );
    });

    it("lists the moves by slot, whatever order they were chosen in", () => {
        // kills: the final `sort` (a stale slot 3 is chosen before the empty slot 2) and its comparator
        assert.deepStrictEqual(
            plan(
                [
                    [1, A],
                    [4, X],
                ],
                [A, B, C, D],
                4,
            ).moves.map((m) => [m.slot, m.digest]),
            [
                [2, C],
                [3, D],
                [4, B],
            ],
        );
    });
});

describe("isProtectedDeployment", () => {
    it("is true for a deployment whose digest is among the protected ones, false otherwise or without a digest", () => {
        // kills: `isProtectedDeployment` (no coverage before)
        const history = [deployment(3, "succeeded", C), deployment(2, "succeeded", B), deployment(1, "succeeded", A)];
        assert.strictEqual(isProtectedDeployment(history, C, history[1], 2), true);
        assert.strictEqual(isProtectedDeployment(history, C, history[2], 2), false);
        assert.strictEqual(isProtectedDeployment(history, C, deployment(4, "succeeded", undefined), 10), false);
    });
});
