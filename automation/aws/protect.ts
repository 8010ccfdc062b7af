// Protected deployed digests. After every update the driver runs, the digests a
// stack runs and ran most recently (the running one, then those of its newest
// succeeded updates: `<project>:protectDeployments` distinct digests, default 10)
// each carry one of the stack's protective tags, `deployed-<stack>-slot<k>`,
// which the repository's lifecycle policy never expires
// (components/repositoryLifecycle.ts).
//
// A stack owns a fixed set of slots, 1..N. A digest that leaves the set loses
// its protection when its slot is moved to a digest that enters it: PutImage of
// that digest's manifest under the slot's tag (the repository excludes
// `deployed-*` from tag immutability). So protections beyond N are released
// without ever deleting anything: the deploy role holds no BatchDeleteImage.
// An image whose only tag was its slot becomes untagged and expires with the
// untagged rule.
//
// Protection never fails an update that ran: a problem is reported (output,
// evidence) and the next update reconciles from the history again.
import {
    BatchGetImageCommand,
    ECRClient,
    ImageAlreadyExistsException,
    ImageTagAlreadyExistsException,
    ListImagesCommand,
    PutImageCommand,
} from "@aws-sdk/client-ecr";
import { protectiveSlot, protectiveTag, PROTECTIVE_TAG_PATTERN, PROTECTIVE_TAG_PREFIX } from "../../components/repositoryLifecycle";
import { awsUnavailable } from "./awsErrors";
import { IMAGE_INDEX_MEDIA_TYPES } from "./ecr";
import { qualifiedKey } from "../../components/configSchema";
import type { ProtectionNote, SlotMove } from "../record/evidence";
import { Deployment, isSucceededDeployment } from "../record/history";

/** Every manifest type ECR stores; BatchGetImage returns the manifest as pushed when its type is accepted. */
// Stryker disable next-line all: read only by the ECR calls below (BatchGetImage), which are left out too.
const ACCEPTED_MEDIA_TYPES = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json", ...IMAGE_INDEX_MEDIA_TYPES];

/**
 * The digests to protect, newest first: the one the state runs (it may come from a failed or cancelled
 * update that got as far as the service), then those of succeeded updates newest first, `keep` distinct
 * digests in all. Whatever ran in the last `keep` succeeded updates is among them.
 */
export function protectedDigests(deployments: readonly Deployment[], running: string | undefined, keep: number): string[] {
    const wanted: string[] = running === undefined ? [] : [running];
    for (const d of deployments) {
        if (wanted.length >= keep) break;
        if (isSucceededDeployment(d) && !wanted.includes(d.digest)) {
            wanted.push(d.digest);
        }
    }
    return wanted.slice(0, keep);
}

export interface SlotPlan {
    readonly moves: readonly SlotMove[];
    /** Digests that held a slot before and hold none after the moves. */
    readonly released: readonly string[];
}

/**
 * Which slots to move so that every wanted digest holds one of slots 1..`keep`, with as few moves as
 * possible. `current` is slot → digest as the repository has it now. A slot that holds a digest no longer
 * wanted takes a missing one; if none is missing, it moves to the newest wanted digest, which releases
 * what it held. Slots above `keep` (after `keep` was lowered) are released the same way.
 */
export function planSlots(stack: string, current: ReadonlyMap<number, string>, wanted: readonly string[], keep: number): SlotPlan {
    if (wanted.length === 0) return { moves: [], released: [] };
    const holder = new Map<string, number>(); // wanted digest → the slot that keeps it
    for (let slot = 1; slot <= keep; slot++) {
        const digest = current.get(slot);
        if (digest !== undefined && wanted.includes(digest) && !holder.has(digest)) holder.set(digest, slot);
    }
    const missing = wanted.filter((digest) => !holder.has(digest));
    const inRange = Array.from({ length: keep }, (_, i) => i + 1).filter((slot) => ![...holder.values()].includes(slot));
    // Free slots: those holding an unwanted digest first (they must move anyway), then empty ones; a
    // duplicate of a kept digest is left where it is unless a missing digest needs it.
    const stale = inRange.filter((slot) => current.has(slot) && !wanted.includes(current.get(slot)!));
    const empty = inRange.filter((slot) => !current.has(slot));
    const duplicates = inRange.filter((slot) => current.has(slot) && wanted.includes(current.get(slot)!));
    const free = [...stale, ...empty, ...duplicates];
    const moves: SlotMove[] = [];
    const move = (slot: number, digest: string) =>
        moves.push({ slot, tag: protectiveTag(stack, slot), digest, ...(current.has(slot) ? { from: current.get(slot) } : {}) });
    missing.forEach((digest, i) => move(free[i], digest));
    for (const slot of stale.filter((s) => !moves.some((m) => m.slot === s))) move(slot, wanted[0]);
    for (const [slot, digest] of [...current].filter(([s]) => s > keep).sort(([a], [b]) => a - b)) {
        if (!wanted.includes(digest)) move(slot, wanted[0]);
    }
    const after = new Map(current);
    for (const m of moves) after.set(m.slot, m.digest);
    const held = new Set(after.values());
    const released = [...new Set(current.values())].filter((digest) => !held.has(digest));
    return { moves: moves.sort((a, b) => a.slot - b.slot), released };
}

// Stryker disable all: ECR calls (ListImages, BatchGetImage, PutImage), tested against moto by the engine suites; left out of `npm run mutate` (docs/TESTING.md).
export interface ProtectArgs {
    readonly ecr: ECRClient;
    readonly repositoryName: string;
    /** The stack's name without organization or project (`dev`): it is part of the tag. */
    readonly stack: string;
    readonly wanted: readonly string[];
    readonly keep: number;
}

/**
 * Reads the stack's slots (ListImages of tagged images), then moves the slots the plan says (one
 * BatchGetImage for the manifests, one PutImage per move). Never throws: problems are in the note.
 */
export async function protectDeployments(args: ProtectArgs): Promise<ProtectionNote> {
    const { ecr, repositoryName, stack, keep } = args;
    const tags = `${protectiveTag(stack, 1)}…${keep}`;
    const problems: string[] = [];
    let current: Map<number, string>;
    try {
        current = await currentSlots(ecr, repositoryName, stack);
    } catch (err) {
        return { tags, keep, protected: {}, moved: [], released: [], problems: [`the repository's tags could not be listed: ${describe(err)}`] };
    }
    const plan = planSlots(stack, current, args.wanted, keep);
    const after = new Map(current);
    const moved: SlotMove[] = [];
    if (plan.moves.length > 0) {
        const manifests = await manifestsOf(ecr, repositoryName, [...new Set(plan.moves.map((m) => m.digest))], problems);
        for (const m of plan.moves) {
            const manifest = manifests.get(m.digest);
            if (manifest === undefined) continue; // reported by manifestsOf
            try {
                await ecr.send(
                    new PutImageCommand({
                        repositoryName,
                        imageTag: m.tag,
                        imageDigest: m.digest,
                        imageManifest: manifest.manifest,
                        imageManifestMediaType: manifest.mediaType,
                    }),
                );
                after.set(m.slot, m.digest);
                moved.push(m);
            } catch (err) {
                problems.push(
                    err instanceof ImageTagAlreadyExistsException || err instanceof ImageAlreadyExistsException
                        ? `\`${repositoryName}\` refused to move \`${m.tag}\` to ${m.digest} (${(err as Error).name}): its tag mutability does not exclude ` +
                              `\`${PROTECTIVE_TAG_PATTERN}\`; apply the stack once (\`papyrus-deploy up --stack ${stack}\`) so the repository takes ImmutableRepository's settings`
                        : `\`${m.tag}\` could not be moved to ${m.digest}: ${describe(err)}`,
                );
            }
        }
    }
    const held = new Set(after.values());
    return {
        tags,
        keep,
        protected: Object.fromEntries([...after].sort(([a], [b]) => a - b).map(([slot, digest]) => [protectiveTag(stack, slot), digest])),
        moved,
        released: [...new Set(current.values())].filter((digest) => !held.has(digest)),
        ...(problems.length > 0 ? { problems } : {}),
    };
}

/** Slot → digest for `stack`, from every tagged image of the repository (ListImages lists one entry per tag, 1000 per page). */
async function currentSlots(ecr: ECRClient, repositoryName: string, stack: string): Promise<Map<number, string>> {
    const slots = new Map<number, string>();
    let nextToken: string | undefined;
    do {
        const page = await ecr.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: "TAGGED" }, maxResults: 1000, nextToken }));
        for (const id of page.imageIds ?? []) {
            const slot = id.imageTag === undefined ? undefined : protectiveSlot(stack, id.imageTag);
            if (slot !== undefined && id.imageDigest !== undefined) slots.set(slot, id.imageDigest);
        }
        nextToken = page.nextToken;
    } while (nextToken);
    return slots;
}

async function manifestsOf(
    ecr: ECRClient,
    repositoryName: string,
    digests: readonly string[],
    problems: string[],
): Promise<Map<string, { manifest: string; mediaType?: string }>> {
    const found = new Map<string, { manifest: string; mediaType?: string }>();
    try {
        const out = await ecr.send(
            new BatchGetImageCommand({
                repositoryName,
                imageIds: digests.map((imageDigest) => ({ imageDigest })),
                acceptedMediaTypes: ACCEPTED_MEDIA_TYPES,
            }),
        );
        for (const image of out.images ?? []) {
            const digest = image.imageId?.imageDigest;
            if (digest !== undefined && image.imageManifest !== undefined && !found.has(digest)) {
                found.set(digest, { manifest: image.imageManifest, mediaType: image.imageManifestMediaType });
            }
        }
    } catch (err) {
        problems.push(`the manifests of ${digests.join(", ")} could not be read: ${describe(err)}`);
        return found;
    }
    for (const digest of digests.filter((d) => !found.has(d))) {
        problems.push(`${digest} could not be protected: it is not in \`${repositoryName}\` any more (deleted or expired)`);
    }
    return found;
}

function describe(err: unknown): string {
    const unavailable = awsUnavailable(err, "ECR");
    if (unavailable !== undefined) return unavailable.message;
    const e = err as Error;
    return `${e?.name ?? "error"}: ${(e?.message ?? String(err)).split("\n")[0]}`;
}

// Stryker restore all

/** The stack's protective tags among `tags` (an image's tags from DescribeImages). */
export function protectiveTagsOf(tags: readonly string[], stack: string): string[] {
    return tags.filter((tag) => protectiveSlot(stack, tag) !== undefined);
}

export interface AfterUpdate {
    readonly ecr: ECRClient;
    readonly repositoryName: string;
    readonly stack: string;
    readonly keep: number;
    /** The stack's history after the update; undefined when it could not be read. */
    readonly deployments: readonly Deployment[] | undefined;
    /** What the state runs after the update. */
    readonly running: string | undefined;
}

// Stryker disable all: calls protectDeployments (ECR); tested against moto by the engine suites.
/** Protects what the stack runs and ran after an update; with no history to go by, changes nothing (a partial view would release protections). */
export async function protectAfterUpdate(args: AfterUpdate): Promise<ProtectionNote> {
    if (args.deployments === undefined) {
        return {
            tags: `${protectiveTag(args.stack, 1)}…${args.keep}`,
            keep: args.keep,
            protected: {},
            moved: [],
            released: [],
            problems: ["the stack's history could not be read after the update, so the protective tags were left as they were; the next update sets them"],
        };
    }
    return protectDeployments({ ...args, wanted: protectedDigests(args.deployments, args.running, args.keep) });
}

// Stryker restore all

/** Whether `deployment`'s digest is among the stack's protected ones, as `protectedDigests` chooses them. */
export function isProtectedDeployment(deployments: readonly Deployment[], running: string | undefined, deployment: Deployment, keep: number): boolean {
    return deployment.digest !== undefined && protectedDigests(deployments, running, keep).includes(deployment.digest);
}

/** The warning for a rollback target the repository does not protect (it carries none of the stack's protective tags); undefined when it does. */
export function unprotectedTargetWarning(
    image: { readonly tags: readonly string[]; readonly repositoryName: string },
    stack: string,
    what: string,
): string | undefined {
    if (protectiveTagsOf(image.tags, stack).length > 0) return undefined;
    return (
        `${what} is outside the stack's protected deployments (it carries no \`${PROTECTIVE_TAG_PREFIX}${stack}-slot<n>\` tag in \`${image.repositoryName}\`), ` +
        "so the repository's lifecycle policy may expire or archive it; it exists now, and once it runs it is protected again"
    );
}

/** The warning for a promote of a source deployment outside the source's protected set (`--version` of an old update). */
export function unprotectedSourceWarning(
    from: { readonly stack: string; readonly version: number; readonly digest: string; readonly protected?: boolean },
    source: string,
    project: string,
): string | undefined {
    if (from.protected !== false) return undefined;
    return (
        `update ${from.version} of \`${source}\` (${from.digest}) is outside \`${source}\`'s protected deployments (\`${qualifiedKey(project, "protectDeployments")}\`), ` +
        "so lifecycle policies may expire it; it was found in this stack's repository, and once it runs here it is protected here"
    );
}
