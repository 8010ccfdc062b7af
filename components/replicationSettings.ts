// `<project>:replicateTo` and `<project>:replicationSourceAccount`: where the build
// registry copies this repository's images, and which account may copy into
// this stack's registry. Checked strictly before any resource is registered:
// an unknown key, a region that is not one, or the stack's own registry as a
// destination is refused with the key's path, never ignored.
import { editDistance } from "./nearMiss";
import { got } from "./inputMessage";

/** One registry the build registry replicates to. */
export interface ReplicationDestination {
    /** The destination registry's region. @example "eu-central-1" */
    readonly region: string;
    /**
     * The destination registry's account (12 digits), when it is another account. That account's stack
     * must then allow the copy (`<project>:replicationSourceAccount`, the `ReplicationRegistryPolicy` component).
     * @default the build registry's own account
     */
    readonly account?: string;
}

/** ECR allows at most 25 destinations in one rule. */
export const MAX_REPLICATION_DESTINATIONS = 25;

const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]$/;
const ACCOUNT = /^[0-9]{12}$/;
const DESTINATION_KEYS = ["region", "account"] as const;

/**
 * The destinations in `value` (`<project>:replicateTo` as the program reads it: JSON text, or already
 * parsed), or every problem with it. `ownRegion` is the stack's `aws:region`: replicating a registry
 * into itself is refused.
 */
export function parseReplicationDestinations(
    value: unknown,
    key: string,
    ownRegion: string | undefined,
): { destinations: ReplicationDestination[]; problems: string[] } {
    const problems: string[] = [];
    let parsed = value;
    if (typeof value === "string") {
        try {
            parsed = JSON.parse(value);
        } catch {
            return { destinations: [], problems: [`\`${key}\` must be a list of destinations (\`- region: eu-central-1\`)${got(value)}`] };
        }
    }
    if (!Array.isArray(parsed)) {
        return { destinations: [], problems: [`\`${key}\` must be a list of destinations (\`- region: eu-central-1\`), got ${describe(parsed)}`] };
    }
    if (parsed.length === 0) {
        problems.push(`\`${key}\` is an empty list; name at least one region, or remove the key to replicate nowhere`);
    }
    if (parsed.length > MAX_REPLICATION_DESTINATIONS) {
        problems.push(`\`${key}\` may hold at most ${MAX_REPLICATION_DESTINATIONS} destinations (an ECR limit), got ${parsed.length}`);
    }
    const destinations: ReplicationDestination[] = [];
    const seen = new Set<string>();
    parsed.forEach((entry, i) => {
        const path = `${key}[${i}]`;
        if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
            problems.push(`\`${path}\` must be an object with \`region\` (and optionally \`account\`), got ${describe(entry)}`);
            return;
        }
        const record = entry as Record<string, unknown>;
        for (const unknownKey of Object.keys(record).filter((k) => !(DESTINATION_KEYS as readonly string[]).includes(k))) {
            const meant = DESTINATION_KEYS.find((k) => editDistance(unknownKey.toLowerCase(), k) <= 2);
            problems.push(
                `\`${path}.${unknownKey}\` is not a destination key${meant ? `; did you mean \`${meant}\`?` : ` (allowed: ${DESTINATION_KEYS.map((k) => `\`${k}\``).join(", ")})`}`,
            );
        }
        const { region, account } = record;
        let ok = true;
        if (typeof region !== "string" || !REGION.test(region)) {
            problems.push(`\`${path}.region\` must be an AWS region such as \`eu-central-1\`, got ${describe(region)}`);
            ok = false;
        }
        if (account !== undefined && (typeof account !== "string" || !ACCOUNT.test(account))) {
            problems.push(`\`${path}.account\` must be a 12-digit AWS account id in quotes (\`"210987654321"\`), got ${describe(account)}`);
            ok = false;
        }
        if (!ok) return;
        const destination: ReplicationDestination =
            account === undefined ? { region: region as string } : { region: region as string, account: account as string };
        const id = `${destination.account ?? "(own account)"}/${destination.region}`;
        if (seen.has(id)) {
            problems.push(`\`${path}\` repeats the destination \`${destination.region}\`${destination.account ? ` in account ${destination.account}` : ""}`);
            return;
        }
        seen.add(id);
        if (destination.account === undefined && destination.region === ownRegion) {
            problems.push(
                `\`${path}.region\` is \`${ownRegion}\`, the stack's own registry (\`aws:region\`); replicate to another region, or name another \`account\``,
            );
            return;
        }
        destinations.push(destination);
    });
    return { destinations: problems.length > 0 ? [] : destinations, problems };
}

/** Why `value` is not the 12-digit account id `<project>:replicationSourceAccount` needs, or undefined. */
export function replicationSourceAccountProblem(value: unknown, key: string): string | undefined {
    if (typeof value === "string" && ACCOUNT.test(value)) return undefined;
    return `\`${key}\` must be the 12-digit account id of the build registry that replicates into this one, in quotes (\`"111122223333"\`), got ${describe(value)}`;
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (value === "") return "an empty string";
    if (typeof value === "object") return "an object";
    return `\`${String(value)}\``;
}
