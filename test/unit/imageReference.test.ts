// The image validator is the project's one rule for what may be deployed, so
// every refusal is pinned here to its exact message: the input in backticks,
// the bad value quoted, the expected form, and the reason.
import * as assert from "assert";
import {
    digestOf,
    digestReference,
    ImageReferenceError,
    imageReferenceProblem,
    isSha256Digest,
    parseImageReference,
    ImageReferenceOptions,
} from "../../components/imageReference";

const HEX = "0123456789abcdef".repeat(4);
const DIGEST = `sha256:${HEX}`;
const REPO_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const GOOD = `${REPO_URL}@${DIGEST}`;

/** The message prefix, written out literally so the test does not reuse the module's own constant. */
function refused(input: string, shown: string, reason: string): string {
    return `\`${input}\` must be pinned by digest (\`<registry>/<repository>@sha256:<64 lowercase hex>\`), got \`${shown}\`: ${reason}`;
}

interface BadCase {
    readonly title: string;
    readonly value: unknown;
    readonly options?: ImageReferenceOptions;
    /** How the value appears in the message (escaped); defaults to the value itself. */
    readonly shown?: string;
    readonly reason: string;
}

const bad: BadCase[] = [
    // Tags, alone or with a digest.
    {
        title: "a release tag",
        value: `${REPO_URL}:v1.2.3`,
        reason: `it names the tag \`v1.2.3\`; resolve the tag to its digest and use \`${REPO_URL}@sha256:<digest>\``,
    },
    {
        title: "`latest`",
        value: `${REPO_URL}:latest`,
        reason: "`latest` is a moving tag and is never deployed; deploy a release tag by its digest",
    },
    {
        title: "`latest` on a bare name",
        value: "nginx:latest",
        reason: "`latest` is a moving tag and is never deployed; deploy a release tag by its digest",
    },
    {
        title: "a tag on a registry with a port",
        value: "registry.example.com:5000/papyrus/api:v2",
        reason: "it names the tag `v2`; resolve the tag to its digest and use `registry.example.com:5000/papyrus/api@sha256:<digest>`",
    },
    {
        title: "repo:tag@sha256:…",
        value: `${REPO_URL}:v1.2.3@${DIGEST}`,
        reason: "it names the tag `v1.2.3` as well as a digest; drop `:v1.2.3` so the digest alone decides",
    },
    {
        title: "repo:latest@sha256:…",
        value: `${REPO_URL}:latest@${DIGEST}`,
        reason: "it names the tag `latest` as well as a digest; drop `:latest` so the digest alone decides",
    },
    {
        title: "an empty tag before the digest",
        value: `${REPO_URL}:@${DIGEST}`,
        reason: "it names the tag `` as well as a digest; drop `:` so the digest alone decides",
    },
    {
        title: "a repository with neither tag nor digest",
        value: REPO_URL,
        reason: "it has no digest",
    },
    // Other algorithms and malformed digests.
    {
        title: "sha512",
        value: `${REPO_URL}@sha512:${HEX}${HEX}`,
        reason: "the digest algorithm is `sha512`; only `sha256` is accepted",
    },
    {
        title: "md5",
        value: `${REPO_URL}@md5:0123456789abcdef0123456789abcdef`,
        reason: "the digest algorithm is `md5`; only `sha256` is accepted",
    },
    {
        title: "upper-case algorithm",
        value: `${REPO_URL}@SHA256:${HEX}`,
        reason: "the digest algorithm is `SHA256`; only `sha256` is accepted",
    },
    {
        title: "a digest without an algorithm",
        value: `${REPO_URL}@${HEX}`,
        reason: "the digest has no algorithm; expected `sha256:<64 lowercase hex>`",
    },
    {
        title: "an algorithm without hex",
        value: `${REPO_URL}@sha256`,
        reason: "the digest has no algorithm; expected `sha256:<64 lowercase hex>`",
    },
    {
        title: "an empty digest",
        value: `${REPO_URL}@`,
        reason: "the digest has no algorithm; expected `sha256:<64 lowercase hex>`",
    },
    {
        title: "63 hex characters",
        value: `${REPO_URL}@sha256:${HEX.slice(1)}`,
        reason: "the digest has 63 hex characters; sha256 has 64",
    },
    {
        title: "65 hex characters",
        value: `${REPO_URL}@sha256:${HEX}0`,
        reason: "the digest has 65 hex characters; sha256 has 64",
    },
    {
        title: "no hex at all",
        value: `${REPO_URL}@sha256:`,
        reason: "the digest has 0 hex characters; sha256 has 64",
    },
    {
        title: "upper-case hex",
        value: `${REPO_URL}@sha256:${HEX.toUpperCase()}`,
        reason: "the digest has upper-case hex; digests are lower-case",
    },
    {
        title: "one upper-case hex character",
        value: `${REPO_URL}@sha256:${HEX.slice(0, 63)}F`,
        reason: "the digest has upper-case hex; digests are lower-case",
    },
    {
        title: "a non-hex character",
        value: `${REPO_URL}@sha256:${HEX.slice(0, 63)}g`,
        reason: "the digest has characters other than lower-case hex",
    },
    {
        // kills: either anchor of the all-hex test dropped (it would call these upper-case)
        title: "a non-hex character before upper-case hex",
        value: `${REPO_URL}@sha256:g${HEX.toUpperCase().slice(1)}`,
        reason: "the digest has characters other than lower-case hex",
    },
    {
        title: "a non-hex character after upper-case hex",
        value: `${REPO_URL}@sha256:${HEX.toUpperCase().slice(1)}g`,
        reason: "the digest has characters other than lower-case hex",
    },
    {
        title: "the algorithm twice",
        value: `${REPO_URL}@sha256:sha256:${HEX}`,
        reason: "the digest has characters other than lower-case hex",
    },
    // Whitespace and control characters, shown escaped in the message.
    {
        title: "a leading space",
        value: ` ${GOOD}`,
        reason: "it contains whitespace or a control character",
    },
    {
        title: "a trailing newline (a common copy-paste accident)",
        value: `${GOOD}\n`,
        shown: `${GOOD}\\n`,
        reason: "it contains whitespace or a control character",
    },
    {
        title: "a tab inside",
        value: `${REPO_URL}@sha256:\t${HEX}`,
        shown: `${REPO_URL}@sha256:\\t${HEX}`,
        reason: "it contains whitespace or a control character",
    },
    {
        title: "a NUL byte",
        value: `${GOOD}\u0000`,
        shown: `${GOOD}\\u0000`,
        reason: "it contains whitespace or a control character",
    },
    {
        title: "DEL",
        value: `${REPO_URL}\u007f@${DIGEST}`,
        reason: "it contains whitespace or a control character",
    },
    {
        title: "a non-breaking space",
        value: `${GOOD}\u00a0`,
        reason: "it contains whitespace or a control character",
    },
    // Names.
    {
        title: "no registry",
        value: `papyrus-api@${DIGEST}`,
        reason: "it has no registry; use the full repository URL, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app`",
    },
    {
        title: "nothing before the digest",
        value: `@${DIGEST}`,
        reason: "it has no registry; use the full repository URL, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app`",
    },
    {
        title: "a Docker Hub style name without a registry host",
        value: `library/nginx@${DIGEST}`,
        reason: "`library` is not a registry host; use the full repository URL",
    },
    {
        title: "a registry host starting with a hyphen",
        value: `-registry.example.com/app@${DIGEST}`,
        reason: "`-registry.example.com` is not a registry host; use the full repository URL",
    },
    {
        // kills: the registry pattern's `$` dropped
        title: "a port of six digits",
        value: `registry.example.com:123456/app@${DIGEST}`,
        reason: "`registry.example.com:123456` is not a registry host; use the full repository URL",
    },
    {
        // kills: `lastSlash + 1` → `- 1` in the tag finder (the `:` before the `/` would be read as a tag)
        title: "an empty port before the repository",
        value: `localhost:/app@${DIGEST}`,
        reason: "`localhost:` is not a registry host; use the full repository URL",
    },
    {
        title: "a port without a host",
        value: `:5000/app@${DIGEST}`,
        reason: "`:5000` is not a registry host; use the full repository URL",
    },
    {
        title: "an upper-case repository",
        value: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/Papyrus@${DIGEST}`,
        reason: "`Papyrus` is not a valid repository name (lower-case letters, digits, and . _ - / between them)",
    },
    {
        title: "an empty repository",
        value: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/@${DIGEST}`,
        reason: "`` is not a valid repository name (lower-case letters, digits, and . _ - / between them)",
    },
    {
        title: "an empty path component",
        value: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus//api@${DIGEST}`,
        reason: "`papyrus//api` is not a valid repository name (lower-case letters, digits, and . _ - / between them)",
    },
    {
        title: "a path component ending in a separator",
        value: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-/api@${DIGEST}`,
        reason: "`papyrus-/api` is not a valid repository name (lower-case letters, digits, and . _ - / between them)",
    },
    // Empty, non-string.
    { title: "empty", value: "", reason: "it is empty" },
    { title: "undefined", value: undefined, shown: "undefined", reason: "expected a string, got a value of type undefined" },
    { title: "null", value: null, shown: "null", reason: "expected a string, got a value of type null" },
    { title: "a number", value: 42, shown: "42", reason: "expected a string, got a value of type number" },
    {
        title: "an object",
        value: { image: GOOD },
        shown: "[object Object]",
        reason: "expected a string, got a value of type object",
    },
    {
        title: "an object without a prototype (cannot be converted to a string)",
        value: Object.create(null),
        shown: "[object Object]",
        reason: "expected a string, got a value of type object",
    },
    // More than one `@`.
    {
        title: "double @",
        value: `${REPO_URL}@@${DIGEST}`,
        reason: "it contains more than one `@`",
    },
    {
        title: "two digests",
        value: `${GOOD}@${DIGEST}`,
        reason: "it contains more than one `@`",
    },
    // Approved repository.
    {
        title: "another repository than the approved one",
        value: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/other@${DIGEST}`,
        options: { approvedRepositoryUrl: REPO_URL },
        reason: `it points into \`123456789012.dkr.ecr.eu-west-1.amazonaws.com/other\`, not the approved repository \`${REPO_URL}\``,
    },
    {
        title: "the approved repository name in another account",
        value: `210987654321.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api@${DIGEST}`,
        options: { approvedRepositoryUrl: REPO_URL },
        reason: `it points into \`210987654321.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api\`, not the approved repository \`${REPO_URL}\``,
    },
    {
        title: "a nested path under the approved repository",
        value: `${REPO_URL}/evil@${DIGEST}`,
        options: { approvedRepositoryUrl: REPO_URL },
        reason: `it points into \`${REPO_URL}/evil\`, not the approved repository \`${REPO_URL}\``,
    },
    {
        title: "the approved repository with `allowOtherRepositories: false` spelled out",
        value: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/other@${DIGEST}`,
        options: { approvedRepositoryUrl: REPO_URL, allowOtherRepositories: false },
        reason: `it points into \`123456789012.dkr.ecr.eu-west-1.amazonaws.com/other\`, not the approved repository \`${REPO_URL}\``,
    },
];

interface GoodCase {
    readonly title: string;
    readonly value: string;
    readonly options?: ImageReferenceOptions;
    readonly registry: string;
    readonly repository: string;
}

const good: GoodCase[] = [
    {
        title: "an ECR repository URL",
        value: GOOD,
        registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        repository: "papyrus-api",
    },
    {
        title: "the approved repository",
        value: GOOD,
        options: { approvedRepositoryUrl: REPO_URL },
        registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        repository: "papyrus-api",
    },
    {
        title: "another repository when `allowOtherRepositories` is true",
        value: `123456789012.dkr.ecr.us-east-1.amazonaws.com/sidecar@${DIGEST}`,
        options: { approvedRepositoryUrl: REPO_URL, allowOtherRepositories: true },
        registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
        repository: "sidecar",
    },
    {
        title: "a registry with a port",
        value: `registry.example.com:5000/papyrus/api@${DIGEST}`,
        registry: "registry.example.com:5000",
        repository: "papyrus/api",
    },
    {
        title: "localhost with a port",
        value: `localhost:5000/app@${DIGEST}`,
        registry: "localhost:5000",
        repository: "app",
    },
    {
        // kills: each of the registry pattern's optional label tails made required
        title: "single-character host labels",
        value: `r.x.example.com/app@${DIGEST}`,
        registry: "r.x.example.com",
        repository: "app",
    },
    {
        // kills: `-+` cut to one `-` in the repository path pattern
        title: "a repository name with a run of hyphens",
        value: `${REPO_URL}--v2@${DIGEST}`,
        registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        repository: "papyrus-api--v2",
    },
    {
        title: "a nested repository path with separators",
        value: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team.a/papyrus__api/web-1@${DIGEST}`,
        registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        repository: "team.a/papyrus__api/web-1",
    },
];

describe("parseImageReference", () => {
    describe("refuses", () => {
        for (const c of bad) {
            it(c.title, () => {
                const shown = c.shown ?? String(c.value);
                assert.throws(
                    () => parseImageReference(c.value, c.options),
                    (err: unknown) => {
                        assert.ok(err instanceof ImageReferenceError, `expected ImageReferenceError, got ${String(err)}`);
                        assert.strictEqual(err.message, refused("image", shown, c.reason));
                        assert.strictEqual(err.input, "image");
                        assert.strictEqual(err.reason, c.reason);
                        return true;
                    },
                );
            });
        }
    });

    describe("accepts", () => {
        for (const c of good) {
            it(c.title, () => {
                const parsed = parseImageReference(c.value, c.options);
                assert.deepStrictEqual(parsed, {
                    registry: c.registry,
                    repository: c.repository,
                    repositoryUrl: `${c.registry}/${c.repository}`,
                    digest: DIGEST,
                    reference: c.value,
                });
            });
        }
    });

    it("names the input given in `options.input`", () => {
        assert.throws(() => parseImageReference(`${REPO_URL}:latest`, { input: "papyrus:image" }), {
            name: "ImageReferenceError",
            message:
                "`papyrus:image` must be pinned by digest (`<registry>/<repository>@sha256:<64 lowercase hex>`), " +
                "got `123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api:latest`: " +
                "`latest` is a moving tag and is never deployed; deploy a release tag by its digest",
        });
    });

    it("keeps the value unescaped on the error for callers that render their own message", () => {
        const value = `${GOOD}\n`;
        try {
            parseImageReference(value);
            assert.fail("expected a refusal");
        } catch (err) {
            assert.ok(err instanceof ImageReferenceError);
            assert.strictEqual(err.value, value);
        }
    });
});

describe("imageReferenceProblem", () => {
    it("returns undefined for a good reference", () => {
        assert.strictEqual(imageReferenceProblem(GOOD), undefined);
    });

    it("returns the exact message for a bad one", () => {
        assert.strictEqual(
            imageReferenceProblem(`${REPO_URL}:v1`, { input: "containerDefinitions[0].image" }),
            refused(
                "containerDefinitions[0].image",
                `${REPO_URL}:v1`,
                `it names the tag \`v1\`; resolve the tag to its digest and use \`${REPO_URL}@sha256:<digest>\``,
            ),
        );
    });

    it("returns a message, not a TypeError, for a value that cannot be converted to a string", () => {
        assert.strictEqual(imageReferenceProblem(Object.create(null)), refused("image", "[object Object]", "expected a string, got a value of type object"));
    });
});

describe("digestReference", () => {
    it("joins a repository URL and a digest", () => {
        assert.strictEqual(digestReference(REPO_URL, DIGEST), GOOD);
    });

    it("refuses a digest that is not sha256", () => {
        assert.throws(() => digestReference(REPO_URL, "sha512:abc", { input: "digest" }), {
            message: refused("digest", `${REPO_URL}@sha512:abc`, "the digest algorithm is `sha512`; only `sha256` is accepted"),
        });
    });
});

describe("isSha256Digest", () => {
    for (const [value, expected] of [
        [DIGEST, true],
        [`sha256:${HEX.toUpperCase()}`, false],
        [`sha256:${HEX.slice(1)}`, false],
        [`sha512:${HEX}`, false],
        [HEX, false],
        // kills: either anchor of the 64-hex pattern dropped
        [`${DIGEST}0`, false],
        [`sha256:x${HEX}`, false],
    ] as const) {
        it(`${JSON.stringify(value.slice(0, 16))}… is ${expected ? "" : "not "}a sha256 digest`, () => {
            assert.strictEqual(isSha256Digest(value), expected);
        });
    }
});

describe("digestOf", () => {
    it("reads the digest an image ends in, also from references the validator refuses", () => {
        // What ECS or an old record says ran is reported as it is: no registry, a tag beside the digest.
        assert.strictEqual(digestOf(GOOD), DIGEST);
        assert.strictEqual(digestOf(`papyrus-api@${DIGEST}`), DIGEST);
        assert.strictEqual(digestOf(`${REPO_URL}:v1.0.0@${DIGEST}`), DIGEST);
        // kills: `lastIndexOf` turned into `indexOf` (the last `@` decides)
        assert.strictEqual(digestOf(`a@b/${REPO_URL.slice(2)}@${DIGEST}`), DIGEST);
    });

    it("reads no digest from a tag, a bare digest, a digest that is not sha256:<64 hex>, or nothing", () => {
        // kills: the `at !== -1` check dropped (a bare `sha256:…` has no `@`), `slice(at + 1)` changed
        for (const image of [`${REPO_URL}:v1.0.0`, DIGEST, `${REPO_URL}@sha512:${HEX}`, `${REPO_URL}@${DIGEST}0`, `${REPO_URL}@`, ""]) {
            assert.strictEqual(digestOf(image), undefined, image);
        }
    });
});
