// DigestPinnedService's argument checks, which need no cloud: every problem
// as a sentence naming the argument, quoting the value and saying what to do;
// all of them at once, and named as the caller asks (the stack program names
// its config keys).
import * as assert from "assert";
import type { PauseStage } from "../../components/deploymentStrategy";
import type { DigestPinnedServiceArgs } from "../../components/digestPinnedServiceArgs";
import { digestPinnedServiceProblems } from "../../components/digestPinnedServiceProblems";
import { ImageDigestRef } from "../../components/imageReference";

const REPO_URL = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/papyrus-api";
const IMAGE = `${REPO_URL}@sha256:${"d".repeat(64)}` as ImageDigestRef;
const REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/papyrus-api";
const CERTIFICATE_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b";
const PARAMETER_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/papyrus/dev/database-password";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:papyrus/dev/api-AbCdEf";
const KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SECRET_FORMS =
    "the ARN of an SSM parameter (`arn:aws:ssm:<region>:<account>:parameter/<name>`) or of a Secrets Manager secret " +
    "(`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`, optionally followed by `:<json key>::`)";

describe("digestPinnedServiceProblems", () => {
    const base: DigestPinnedServiceArgs = { image: IMAGE, repositoryArn: REPO_ARN, httpOnly: true };
    const cases: Array<[string, Partial<DigestPinnedServiceArgs>, string[]]> = [
        ["defaults (HTTP-only)", {}, []],
        ["prod's size", { cpu: 1024, memory: 2048 }, []],
        ["HTTPS with a certificate", { httpOnly: undefined, https: { certificateArn: CERTIFICATE_ARN } }, []],
        [
            "HTTPS for a domain",
            {
                httpOnly: undefined,
                https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ", sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06" },
            },
            [],
        ],
        [
            "a full production shape",
            {
                httpOnly: undefined,
                https: { certificateArn: CERTIFICATE_ARN },
                autoscaling: { minCount: 2, maxCount: 10, requestsPerTarget: false },
                environment: { LOG_LEVEL: "info", PUBLIC_URL: "https://api.example.com" },
                secrets: { DATABASE_PASSWORD: PARAMETER_ARN, API_TOKEN: `${SECRET_ARN}:token::` },
                secretsKmsKeyArn: KMS_KEY_ARN,
                user: "node",
                deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 0, testListener: { allowedCidrs: ["203.0.113.0/24"] } },
            },
            [],
        ],
        [
            "both `network` and `vpc`",
            { network: { vpcId: "vpc-1", publicSubnetIds: [], privateSubnetIds: [] }, vpc: {} },
            ["Only one of `network` or `vpc` can be provided."],
        ],
        // kills: `args.vpc !== undefined` made true (a network of your own alone refused as if a VPC were asked for too)
        ["a network of your own, without `vpc`", { network: { vpcId: "vpc-1", publicSubnetIds: [], privateSubnetIds: [] } }, []],
        // kills: `natGateways !== "Single"` or `!== "OnePerAz"` made true (the allowed value refused)
        ["one NAT gateway", { vpc: { natGateways: "Single" } }, []],
        ["a NAT gateway per zone", { vpc: { natGateways: "OnePerAz" } }, []],
        // kills: the container name pattern matching one character only, or any character but the allowed ones
        ["a container name of letters, digits, `-` and `_`", { containerName: "papyrus_api-2" }, []],
        [
            // kills: the check dropped, or the pattern's `^` or `$` dropped (`api` or `papyrus` alone would pass)
            "a container name with a slash",
            { containerName: "papyrus/api" },
            ["`containerName` must be 1-255 letters, digits, `-` or `_`, got `papyrus/api`"],
        ],
        [
            // kills: `value <= max` made `value < max` in the whole-number check
            "every whole-number setting at its largest",
            {
                containerPort: 65535,
                desiredCount: 1000,
                deregistrationDelay: 3600,
                healthCheckGracePeriodSeconds: 2147483647,
                stopTimeoutSeconds: 120,
                healthCheck: { intervalSeconds: 300, timeoutSeconds: 120, healthyThreshold: 10, unhealthyThreshold: 10 },
                containerHealthCheck: { intervalSeconds: 300, timeoutSeconds: 60, retries: 10, startPeriodSeconds: 300 },
            },
            [],
        ],
        [
            // kills: any of these arguments' names emptied in its message
            "every whole-number setting one over its largest",
            {
                desiredCount: 1001,
                healthCheckGracePeriodSeconds: 2147483648,
                healthCheck: { intervalSeconds: 301, timeoutSeconds: 121, healthyThreshold: 11, unhealthyThreshold: 11 },
                containerHealthCheck: { intervalSeconds: 301, timeoutSeconds: 61, retries: 11, startPeriodSeconds: 301 },
            },
            [
                "`desiredCount` must be a whole number from 0 to 1000, got `1001`",
                "`healthCheckGracePeriodSeconds` must be a whole number from 0 to 2147483647, got `2147483648`",
                "`healthCheck.intervalSeconds` must be a whole number from 5 to 300, got `301`",
                "`healthCheck.timeoutSeconds` must be a whole number from 2 to 120, got `121`",
                "`healthCheck.healthyThreshold` must be a whole number from 2 to 10, got `11`",
                "`healthCheck.unhealthyThreshold` must be a whole number from 2 to 10, got `11`",
                "`containerHealthCheck.intervalSeconds` must be a whole number from 5 to 300, got `301`",
                "`containerHealthCheck.timeoutSeconds` must be a whole number from 2 to 60, got `61`",
                "`containerHealthCheck.retries` must be a whole number from 1 to 10, got `11`",
                "`containerHealthCheck.startPeriodSeconds` must be a whole number from 0 to 300, got `301`",
            ],
        ],
        [
            "a CPU size Fargate does not have",
            { cpu: 300 as 256 },
            ["`cpu` must be one of 256, 512, 1024, 2048, 4096, 8192 or 16384 (Fargate sizes), got `300`"],
        ],
        [
            "memory between steps",
            { cpu: 1024, memory: 2500 },
            ["`memory` 2500 MiB is not a Fargate size for `cpu` 1024; use one of 2048-8192 MiB (steps of 1024)"],
        ],
        [
            "a health check timeout not shorter than the interval",
            { healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } },
            ["`healthCheck.timeoutSeconds` (10) must be less than `healthCheck.intervalSeconds` (10)"],
        ],
        ["a relative health check path", { healthCheck: { path: "health" } }, ["`healthCheck.path` must start with `/`, got `health`"]],
        ["a deregistration delay over an hour", { deregistrationDelay: 3601 }, ["`deregistrationDelay` must be a whole number from 0 to 3600, got `3601`"]],
        ["port 0", { containerPort: 0 }, ["`containerPort` must be a whole number from 1 to 65535, got `0`"]],
        ["a NAT strategy awsx does not have", { vpc: { natGateways: "Two" as "Single" } }, ["`vpc.natGateways` must be `Single` or `OnePerAz`, got `Two`"]],
        [
            "a retention CloudWatch does not offer",
            { logRetentionDays: 10 },
            [
                "`logRetentionDays` must be one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got `10`",
            ],
        ],
        // The listener.
        [
            "neither HTTPS nor an explicit HTTP-only",
            { httpOnly: undefined },
            ["set `https` (`certificateArn`, or `domain` with `hostedZoneId`) to serve HTTPS, or `httpOnly` to `true` to serve plain HTTP (development only)"],
        ],
        [
            "HTTP-only set to false, without HTTPS",
            { httpOnly: false },
            ["set `https` (`certificateArn`, or `domain` with `hostedZoneId`) to serve HTTPS, or `httpOnly` to `true` to serve plain HTTP (development only)"],
        ],
        [
            "both HTTPS and HTTP-only",
            { https: { certificateArn: CERTIFICATE_ARN } },
            ["Only one of `https` or `httpOnly` can be provided: HTTPS redirects port 80 to 443, HTTP-only serves port 80 alone."],
        ],
        [
            "both a certificate and a domain",
            { httpOnly: undefined, https: { certificateArn: CERTIFICATE_ARN, domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" } },
            [
                "Only one of `https.certificateArn` or `https.domain` can be provided: a certificate you have, or one this stack requests and validates for the domain.",
                "`https.hostedZoneId` goes with `https.domain`, not with `https.certificateArn`; remove it, or use `domain` instead of the certificate",
            ],
        ],
        [
            "HTTPS with neither a certificate nor a domain",
            { httpOnly: undefined, https: {} },
            [
                "`https` needs `https.certificateArn` (a certificate you have) or `https.domain` with `https.hostedZoneId` (one this stack requests and validates)",
            ],
        ],
        [
            "a certificate that is not an ARN",
            { httpOnly: undefined, https: { certificateArn: "my-cert" } },
            ["`https.certificateArn` must be the ARN of an ACM certificate (`arn:aws:acm:<region>:<account>:certificate/<uuid>`), got `my-cert`"],
        ],
        [
            "a domain without its zone, in upper case",
            { httpOnly: undefined, https: { domain: "API.example.com" } },
            [
                "`https.domain` must be a lower-case DNS name such as `api.example.com`, got `API.example.com`",
                "`https.hostedZoneId` is required with `https.domain`: the Route 53 zone the validation and alias records go in",
            ],
        ],
        [
            "a hosted zone id with its path",
            { httpOnly: undefined, https: { domain: "api.example.com", hostedZoneId: "/hostedzone/Z0123" } },
            ["`https.hostedZoneId` must be a Route 53 hosted zone id such as `Z0123456789ABCDEFGHIJ`, got `/hostedzone/Z0123`"],
        ],
        [
            "a TLS policy that allows TLS 1.0",
            { httpOnly: undefined, https: { certificateArn: CERTIFICATE_ARN, sslPolicy: "ELBSecurityPolicy-2016-08" } },
            [
                "`https.sslPolicy` must allow TLS 1.2 and later only (`ELBSecurityPolicy-TLS13-…`, e.g. `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`), got `ELBSecurityPolicy-2016-08`",
            ],
        ],
        ...(
            [
                // kills: the policy pattern's `$` dropped (the first policy of the list would pass)
                "ELBSecurityPolicy-TLS13-1-2-2021-06,ELBSecurityPolicy-2016-08",
                // kills: the policy pattern's `^` dropped (the last policy of the list would pass)
                "ELBSecurityPolicy-2016-08,ELBSecurityPolicy-TLS13-1-2-2021-06",
            ] as const
        ).map((sslPolicy): [string, Partial<DigestPinnedServiceArgs>, string[]] => [
            `a list of TLS policies, \`${sslPolicy}\``,
            { httpOnly: undefined, https: { certificateArn: CERTIFICATE_ARN, sslPolicy } },
            [
                `\`https.sslPolicy\` must allow TLS 1.2 and later only (\`ELBSecurityPolicy-TLS13-…\`, e.g. \`ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09\`), got \`${sslPolicy}\``,
            ],
        ]),
        // kills: the domain pattern's labels made two characters at least
        ["HTTPS for a domain with a one-letter label", { httpOnly: undefined, https: { domain: "a.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" } }, []],
        ...(
            [
                // kills: the domain pattern's last `$` dropped
                "api.example.com:443",
                // kills: the `$` of the domain pattern's length look-ahead dropped (any length would pass)
                `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`,
            ] as const
        ).map((domain): [string, Partial<DigestPinnedServiceArgs>, string[]] => [
            `the domain \`${domain.length > 40 ? `${domain.slice(0, 20)}…` : domain}\``,
            { httpOnly: undefined, https: { domain, hostedZoneId: "Z0123456789ABCDEFGHIJ" } },
            [`\`https.domain\` must be a lower-case DNS name such as \`api.example.com\`, got \`${domain}\``],
        ]),
        [
            // kills: `typeof https.domain !== "string"` made false (a list would pass the pattern as its joined text)
            "a domain given as a list",
            { httpOnly: undefined, https: { domain: ["api.example.com"] as unknown as string, hostedZoneId: "Z0123456789ABCDEFGHIJ" } },
            ["`https.domain` must be a lower-case DNS name such as `api.example.com`, got `api.example.com`"],
        ],
        // Autoscaling.
        [
            "both a task count and autoscaling",
            { desiredCount: 3, autoscaling: { minCount: 2, maxCount: 4 } },
            [
                "Only one of `desiredCount` or `autoscaling` can be provided: with autoscaling the task count moves between `autoscaling.minCount` and `autoscaling.maxCount`.",
            ],
        ],
        [
            "a minimum above the maximum",
            { autoscaling: { minCount: 5, maxCount: 3 } },
            ["`autoscaling.minCount` (5) must not be more than `autoscaling.maxCount` (3)"],
        ],
        [
            "autoscaling without a maximum, to zero tasks",
            { autoscaling: { minCount: 0 } as { minCount: number; maxCount: number } },
            ["`autoscaling.maxCount` is required with `autoscaling`", "`autoscaling.minCount` must be a whole number from 1 to 1000, got `0`"],
        ],
        [
            "a CPU target of 95 %",
            { autoscaling: { minCount: 1, maxCount: 2, cpuTargetPercent: 95 } },
            ["`autoscaling.cpuTargetPercent` must be a whole number from 10 to 90, got `95`"],
        ],
        // kills: `minCount > maxCount` made `>=`
        ["a fixed count through autoscaling (minimum = maximum)", { autoscaling: { minCount: 2, maxCount: 2 } }, []],
        [
            // kills: the minimum compared with the maximum when one of them already has a problem
            "a fractional minimum above the maximum",
            { autoscaling: { minCount: 2.5, maxCount: 2 } },
            ["`autoscaling.minCount` must be a whole number from 1 to 1000, got `2.5`"],
        ],
        [
            // kills: the request target left unchecked, or these arguments' names emptied in their messages
            "a maximum, a request target and cooldowns out of range",
            { autoscaling: { minCount: 1, maxCount: 1001, requestsPerTarget: 0, scaleInCooldownSeconds: 3601, scaleOutCooldownSeconds: 3601 } },
            [
                "`autoscaling.maxCount` must be a whole number from 1 to 1000, got `1001`",
                "`autoscaling.requestsPerTarget` must be a whole number from 1 to 1000000, got `0`",
                "`autoscaling.scaleInCooldownSeconds` must be a whole number from 0 to 3600, got `3601`",
                "`autoscaling.scaleOutCooldownSeconds` must be a whole number from 0 to 3600, got `3601`",
            ],
        ],
        [
            "request scaling with blue/green",
            { autoscaling: { minCount: 1, maxCount: 2 }, deployment: { strategy: "BLUE_GREEN" } },
            [
                "`autoscaling.requestsPerTarget` must be `false` with `BLUE_GREEN` deployments: the request metric names one target group, and blue/green moves traffic between two; scale on CPU",
            ],
        ],
        // Environment and secrets.
        [
            "a password in the plain environment",
            { environment: { DB_PASSWORD: "hunter2" } },
            [
                "`environment` variable `DB_PASSWORD` looks like a secret (its name has `PASSWORD`); pass it in `secrets` (`valueFrom` an SSM parameter or a Secrets Manager secret), never as plain text",
            ],
        ],
        [
            "a URL with a password in the plain environment",
            { environment: { DATABASE_URL: "postgres://app:hunter2@db.internal:5432/app" } },
            [
                "`environment` variable `DATABASE_URL` carries a password in its URL (`postgres://app:…@…`); pass it in `secrets` (`valueFrom` an SSM parameter or a Secrets Manager secret), never as plain text",
            ],
        ],
        [
            "a variable name with a dash",
            { environment: { "LOG-LEVEL": "info" } },
            ["`environment` has the variable name `LOG-LEVEL`; use letters, digits and `_`, not starting with a digit"],
        ],
        [
            // kills: the argument's name emptied for a secret's variable name
            "a secret's variable name with a dash",
            { secrets: { "API-TOKEN": SECRET_ARN } },
            ["`secrets` has the variable name `API-TOKEN`; use letters, digits and `_`, not starting with a digit"],
        ],
        [
            "a secret that is not an ARN",
            { secrets: { DATABASE_PASSWORD: "database-password" } },
            [`\`secrets.DATABASE_PASSWORD\` must be ${SECRET_FORMS}, got \`database-password\``],
        ],
        [
            "a secret with a wildcard",
            { secrets: { API_TOKEN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:papyrus/*" } },
            [
                `\`secrets.API_TOKEN\` must be ${SECRET_FORMS}, got \`arn:aws:secretsmanager:eu-west-1:123456789012:secret:papyrus/*\`: a wildcard would let the task read every matching secret; name one`,
            ],
        ],
        [
            "a name in both the environment and the secrets",
            { environment: { API_URL: "https://x" }, secrets: { API_URL: PARAMETER_ARN } },
            ["`API_URL` is in both `environment` and `secrets`; ECS would refuse the task definition: keep it in `secrets`"],
        ],
        [
            "a KMS alias for the secrets",
            { secrets: { API_TOKEN: SECRET_ARN }, secretsKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/papyrus" },
            [
                "`secretsKmsKeyArn` must be the ARN of a KMS key (`arn:aws:kms:<region>:<account>:key/<key id>`), got `arn:aws:kms:eu-west-1:123456789012:alias/papyrus`: IAM matches `kms:Decrypt` on the key, never on an alias; give the key's ARN",
            ],
        ],
        [
            "a KMS key without secrets",
            { secretsKmsKeyArn: KMS_KEY_ARN },
            ["`secretsKmsKeyArn` is set without `secrets`; the execution role would get a key it never uses: remove it, or add the secrets"],
        ],
        // The container.
        ...(["0", "root", "0:0", "1000:0", "000"] as const).map((user): [string, Partial<DigestPinnedServiceArgs>, string[]] => [
            `the user \`${user}\``,
            { user },
            [
                `\`user\` must not be root, got \`${user}\`: a process that breaks out of the application should not own the container; use the image's unprivileged user (e.g. \`1000:1000\`)`,
            ],
        ]),
        // A uid or gid that is not all zeros, even with a leading zero, is not root. kills: the zeros pattern's `^` or
        // `$` dropped (for the uid or the gid), the gid's pattern made one group member long, `group !== undefined &&` made `||`
        ...(["1000", "1000:1000", "0100:0100"] as const).map((user): [string, Partial<DigestPinnedServiceArgs>, string[]] => [
            `the user \`${user}\``,
            { user },
            [],
        ]),
        // kills: `group === "root"` made false or its text emptied; the gid's zeros pattern made one zero
        ...(["app:root", "1000:00"] as const).map((user): [string, Partial<DigestPinnedServiceArgs>, string[]] => [
            `the user \`${user}\``,
            { user },
            [
                `\`user\` must not be root, got \`${user}\`: a process that breaks out of the application should not own the container; use the image's unprivileged user (e.g. \`1000:1000\`)`,
            ],
        ]),
        ["a user with a space", { user: "app user" }, ["`user` must be `<uid>`, `<uid>:<gid>` or a user name, got `app user`"]],
        [
            "ECS Exec with a read-only root filesystem (the default)",
            { enableExecuteCommand: true },
            [
                "`enableExecuteCommand` needs a writable root filesystem (the SSM agent writes into the container); set `readonlyRootFilesystem` to `false` as well, or leave ECS Exec off",
            ],
        ],
        ["a stop timeout over Fargate's 120 s", { stopTimeoutSeconds: 300 }, ["`stopTimeoutSeconds` must be a whole number from 2 to 120, got `300`"]],
        [
            "a container health check timeout not shorter than its interval",
            { containerHealthCheck: { intervalSeconds: 5, timeoutSeconds: 6 } },
            ["`containerHealthCheck.timeoutSeconds` (6) must be less than `containerHealthCheck.intervalSeconds` (5)"],
        ],
        [
            "a container health check command without CMD",
            { containerHealthCheck: { command: ["curl", "-f", "http://localhost/"] } },
            [
                '`containerHealthCheck.command` must be `CMD` followed by the command\'s arguments, or `CMD-SHELL` followed by a shell line, got `["curl","-f","http://localhost/"]`',
            ],
        ],
        [
            // kills: `>=` made `>` for the container health check
            "a container health check timeout equal to its interval",
            { containerHealthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } },
            ["`containerHealthCheck.timeoutSeconds` (10) must be less than `containerHealthCheck.intervalSeconds` (10)"],
        ],
        // kills: the command check refusing every command, `length >= 2` made `> 2` or `< 2`, `CMD` or `CMD-SHELL` emptied,
        // every part's check made false or inverted
        [
            "a container health check with a shell line",
            { containerHealthCheck: { command: ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"] } },
            [],
        ],
        [
            "a container health check with a command",
            { containerHealthCheck: { command: ["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:8080/health"] } },
            [],
        ],
        [
            // kills: `length >= 2` (or with `Array.isArray`) made true
            "a container health check of `CMD-SHELL` alone",
            { containerHealthCheck: { command: ["CMD-SHELL"] } },
            ['`containerHealthCheck.command` must be `CMD` followed by the command\'s arguments, or `CMD-SHELL` followed by a shell line, got `["CMD-SHELL"]`'],
        ],
        [
            // kills: `every` made `some`, or each part's `typeof part === "string"` made true
            "a container health check with a number in it",
            { containerHealthCheck: { command: ["CMD", "sleep", 1 as unknown as string] } },
            [
                '`containerHealthCheck.command` must be `CMD` followed by the command\'s arguments, or `CMD-SHELL` followed by a shell line, got `["CMD","sleep",1]`',
            ],
        ],
        // The deployment strategy.
        [
            "a strategy ECS does not have",
            { deployment: { strategy: "canary" as "CANARY" } },
            ["`deployment.strategy` must be one of `ROLLING`, `BLUE_GREEN`, `LINEAR`, `CANARY`, got `canary`"],
        ],
        [
            "a bake time with rolling deployments",
            { deployment: { bakeTimeMinutes: 5 } },
            [
                "`deployment.bakeTimeMinutes` applies to `BLUE_GREEN`, `LINEAR` and `CANARY` deployments only, and `deployment.strategy` is `ROLLING`; change the strategy, or remove it",
            ],
        ],
        // Linear and canary.
        ["linear with ECS's defaults", { deployment: { strategy: "LINEAR" } }, []],
        ["canary with ECS's defaults", { deployment: { strategy: "CANARY" } }, []],
        [
            "linear at the edges of ECS's ranges",
            { deployment: { strategy: "LINEAR", bakeTimeMinutes: 0, linear: { stepPercent: 3, stepBakeTimeMinutes: 1440 } } },
            [],
        ],
        [
            "canary at the top of ECS's ranges",
            { deployment: { strategy: "CANARY", bakeTimeMinutes: 1440, canary: { percent: 100, bakeTimeMinutes: 1440 } } },
            [],
        ],
        ["the smallest canary", { deployment: { strategy: "CANARY", canary: { percent: 0.1, bakeTimeMinutes: 0 } } }, []],
        ["a canary of 12.5 percent", { deployment: { strategy: "CANARY", canary: { percent: 12.5 } } }, []],
        ["all traffic in one linear step", { deployment: { strategy: "LINEAR", linear: { stepPercent: 100 } } }, []],
        [
            "a canary percent outside 0.1-100",
            { deployment: { strategy: "CANARY", canary: { percent: 0 } } },
            ["`deployment.canary.percent` must be a percentage from 0.1 to 100 in steps of 0.1, got `0`"],
        ],
        [
            "a canary of more than all traffic, and a negative canary bake time",
            { deployment: { strategy: "CANARY", canary: { percent: 100.1, bakeTimeMinutes: -1 } } },
            [
                "`deployment.canary.percent` must be a percentage from 0.1 to 100 in steps of 0.1, got `100.1`",
                "`deployment.canary.bakeTimeMinutes` must be a whole number from 0 to 1440, got `-1`",
            ],
        ],
        [
            "a canary percent finer than ECS's steps of 0.1",
            { deployment: { strategy: "CANARY", canary: { percent: 2.55 } } },
            ["`deployment.canary.percent` must be a percentage from 0.1 to 100 in steps of 0.1, got `2.55`"],
        ],
        [
            "a linear step below ECS's 3 percent, and a step bake time over a day",
            { deployment: { strategy: "LINEAR", linear: { stepPercent: 2.9, stepBakeTimeMinutes: 1441 } } },
            [
                "`deployment.linear.stepPercent` must be a percentage from 3 to 100 in steps of 0.1, got `2.9`",
                "`deployment.linear.stepBakeTimeMinutes` must be a whole number from 0 to 1440, got `1441`",
            ],
        ],
        [
            "a linear step written as text",
            { deployment: { strategy: "LINEAR", linear: { stepPercent: "10" as unknown as number } } },
            ["`deployment.linear.stepPercent` must be a percentage from 3 to 100 in steps of 0.1, got `10`"],
        ],
        [
            "a final bake time out of range with canary",
            { deployment: { strategy: "CANARY", bakeTimeMinutes: 1441 } },
            ["`deployment.bakeTimeMinutes` must be a whole number from 0 to 1440, got `1441`"],
        ],
        [
            "linear settings with a canary",
            { deployment: { strategy: "CANARY", linear: { stepPercent: 10 } } },
            ["`deployment.linear` applies to `LINEAR` deployments only, and `deployment.strategy` is `CANARY`; change the strategy, or remove it"],
        ],
        [
            "canary settings and a test listener with rolling",
            { deployment: { canary: { percent: 5 }, testListener: { allowedCidrs: ["203.0.113.0/24"] } } },
            [
                "`deployment.testListener` applies to `BLUE_GREEN`, `LINEAR` and `CANARY` deployments only, and `deployment.strategy` is `ROLLING`; change the strategy, or remove it",
                "`deployment.canary` applies to `CANARY` deployments only, and `deployment.strategy` is `ROLLING`; change the strategy, or remove it",
            ],
        ],
        [
            "a test listener with linear, open to a malformed range",
            { deployment: { strategy: "LINEAR", testListener: { allowedCidrs: ["203.0.113.0/33"] } } },
            ["`deployment.testListener.allowedCidrs[0]` must be an IPv4 CIDR such as `203.0.113.0/24`, got `203.0.113.0/33`"],
        ],
        [
            "request-based scaling with a canary",
            { autoscaling: { minCount: 1, maxCount: 2 }, deployment: { strategy: "CANARY" } },
            [
                "`autoscaling.requestsPerTarget` must be `false` with `CANARY` deployments: the request metric names one target group, and a canary deployment moves traffic between two; scale on CPU",
            ],
        ],
        [
            "request-based scaling with linear",
            { autoscaling: { minCount: 1, maxCount: 2 }, deployment: { strategy: "LINEAR" } },
            [
                "`autoscaling.requestsPerTarget` must be `false` with `LINEAR` deployments: the request metric names one target group, and a linear deployment moves traffic between two; scale on CPU",
            ],
        ],
        ["request-based scaling with rolling", { autoscaling: { minCount: 1, maxCount: 2 }, deployment: { strategy: "ROLLING" } }, []],
        // PAUSE hooks.
        [
            "a canary that pauses before each production step, rolling back after an hour",
            { deployment: { strategy: "CANARY", pause: { stages: ["PRE_PRODUCTION_TRAFFIC_SHIFT"], timeoutMinutes: 60, onTimeout: "ROLLBACK" } } },
            [],
        ],
        [
            "blue/green pausing after test traffic and after production traffic, for up to 14 days",
            { deployment: { strategy: "BLUE_GREEN", pause: { stages: ["POST_TEST_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"], timeoutMinutes: 20160 } } },
            [],
        ],
        [
            "rolling pausing at every stage a rolling deployment passes, for a minute",
            { deployment: { pause: { stages: ["RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP"], timeoutMinutes: 1, onTimeout: "CONTINUE" } } },
            [],
        ],
        [
            "a pause at the traffic-shift stages ECS keeps for Lambda hooks",
            { deployment: { strategy: "LINEAR", pause: { stages: ["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"] as unknown as PauseStage[] } } },
            [
                "`deployment.pause.stages[0]` is `TEST_TRAFFIC_SHIFT`, where ECS runs Lambda hooks only and refuses a PAUSE hook; pause just before or after it (`POST_SCALE_UP` or `POST_TEST_TRAFFIC_SHIFT`)",
                "`deployment.pause.stages[1]` is `PRODUCTION_TRAFFIC_SHIFT`, where ECS runs Lambda hooks only and refuses a PAUSE hook; pause just before or after it (`PRE_PRODUCTION_TRAFFIC_SHIFT` or `POST_PRODUCTION_TRAFFIC_SHIFT`)",
            ],
        ],
        [
            "a stage ECS does not have, and one repeated",
            { deployment: { strategy: "CANARY", pause: { stages: ["post_scale_up", "POST_SCALE_UP", "POST_SCALE_UP"] as PauseStage[] } } },
            [
                "`deployment.pause.stages[0]` must be one of `RECONCILE_SERVICE`, `PRE_SCALE_UP`, `POST_SCALE_UP`, `POST_TEST_TRAFFIC_SHIFT`, `PRE_PRODUCTION_TRAFFIC_SHIFT`, `POST_PRODUCTION_TRAFFIC_SHIFT`, got `post_scale_up`",
                "`deployment.pause.stages[2]` repeats `POST_SCALE_UP`; list each stage once",
            ],
        ],
        [
            "a rolling deployment pausing at a traffic-shift stage it never reaches",
            { deployment: { strategy: "ROLLING", pause: { stages: ["POST_PRODUCTION_TRAFFIC_SHIFT"] } } },
            [
                "`deployment.pause.stages[0]` is `POST_PRODUCTION_TRAFFIC_SHIFT`, a traffic-shift stage that a `ROLLING` deployment never reaches, so it would never pause; " +
                    "pause at `RECONCILE_SERVICE`, `PRE_SCALE_UP` or `POST_SCALE_UP`, or set `deployment.strategy` to `BLUE_GREEN`, `LINEAR` or `CANARY`",
            ],
        ],
        [
            "a pause without stages, a timeout past 14 days and an action ECS does not have",
            { deployment: { strategy: "BLUE_GREEN", pause: { stages: [], timeoutMinutes: 20161, onTimeout: "rollback" as "ROLLBACK" } } },
            [
                "`deployment.pause.timeoutMinutes` must be a whole number from 1 to 20160, got `20161`",
                "`deployment.pause.onTimeout` must be `ROLLBACK` (ECS rolls the deployment back when nobody answered in time) or `CONTINUE` (it carries on), got `rollback`",
                '`deployment.pause.stages` must list the stages to pause at (`RECONCILE_SERVICE`, `PRE_SCALE_UP`, `POST_SCALE_UP`, `POST_TEST_TRAFFIC_SHIFT`, `PRE_PRODUCTION_TRAFFIC_SHIFT`, `POST_PRODUCTION_TRAFFIC_SHIFT`), e.g. `["PRE_PRODUCTION_TRAFFIC_SHIFT"]`',
            ],
        ],
        [
            "a pause timeout of zero minutes",
            { deployment: { strategy: "CANARY", pause: { stages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutMinutes: 0 } } },
            ["`deployment.pause.timeoutMinutes` must be a whole number from 1 to 20160, got `0`"],
        ],
        [
            "a test listener on the production port, open to a malformed range",
            { deployment: { strategy: "BLUE_GREEN", testListener: { port: 80, allowedCidrs: ["10.0.0.0/33"] } } },
            [
                "`deployment.testListener.port` 80 is the production listener's port; pick another (e.g. 8080)",
                "`deployment.testListener.allowedCidrs[0]` must be an IPv4 CIDR such as `203.0.113.0/24`, got `10.0.0.0/33`",
            ],
        ],
        [
            "a test listener nobody may reach, and a bake time over a day",
            { deployment: { strategy: "BLUE_GREEN", bakeTimeMinutes: 1441, testListener: { allowedCidrs: [] } } },
            [
                "`deployment.bakeTimeMinutes` must be a whole number from 0 to 1440, got `1441`",
                '`deployment.testListener.allowedCidrs` must list the IPv4 CIDRs that may send test traffic, e.g. `["203.0.113.0/24"]`',
            ],
        ],
        [
            // kills: the octet patterns' `25[0-5]`, `2[0-4]\d` and `1?\d?\d` of the last octet negated, the prefix's `[12]` made required
            "a test listener open to ranges with each form of octet and a one-digit prefix",
            {
                deployment: {
                    strategy: "BLUE_GREEN",
                    testListener: { allowedCidrs: ["250.0.0.0/8", "10.0.0.255/32", "10.0.0.240/28", "198.51.100.99/32"] },
                },
            },
            [],
        ],
        [
            // kills: the CIDR pattern's `^` dropped; `typeof cidr !== "string"` made false (a nested list would pass as its text)
            "a test listener open to a five-digit first octet and to a nested list",
            { deployment: { strategy: "BLUE_GREEN", testListener: { allowedCidrs: ["1203.0.113.0/24", ["203.0.113.0/24"] as unknown as string] } } },
            [
                "`deployment.testListener.allowedCidrs[0]` must be an IPv4 CIDR such as `203.0.113.0/24`, got `1203.0.113.0/24`",
                "`deployment.testListener.allowedCidrs[1]` must be an IPv4 CIDR such as `203.0.113.0/24`, got `203.0.113.0/24`",
            ],
        ],
        [
            // kills: port 443 taken without HTTPS (`args.https !== undefined` made true)
            "an HTTP-only service's test listener on 443",
            { deployment: { strategy: "BLUE_GREEN", testListener: { port: 443, allowedCidrs: ["203.0.113.0/24"] } } },
            [],
        ],
        [
            // kills: port 443 free with HTTPS (`args.https !== undefined` made false or `===`, the HTTPS ports emptied)
            "an HTTPS service's test listener on 443",
            {
                httpOnly: undefined,
                https: { certificateArn: CERTIFICATE_ARN },
                deployment: { strategy: "BLUE_GREEN", testListener: { port: 443, allowedCidrs: ["203.0.113.0/24"] } },
            },
            ["`deployment.testListener.port` 443 is the production listener's port; pick another (e.g. 8443)"],
        ],
        [
            // kills: the test port's name emptied in its message
            "a test listener on a port over 65535",
            { deployment: { strategy: "BLUE_GREEN", testListener: { port: 65536, allowedCidrs: ["203.0.113.0/24"] } } },
            ["`deployment.testListener.port` must be a whole number from 1 to 65535, got `65536`"],
        ],
        // The deployment alarms.
        [
            "more than ten evaluation periods",
            { deploymentAlarms: { target5xx: { threshold: 50, periodSeconds: 300, evaluationPeriods: 12 } } },
            ["`deploymentAlarms.target5xx.evaluationPeriods` must be a whole number from 1 to 10, got `12`"],
        ],
        [
            "an hour-long alarm window",
            { deploymentAlarms: { target5xx: { periodSeconds: 600, evaluationPeriods: 6 }, unhealthyHosts: { periodSeconds: 3600, evaluationPeriods: 1 } } },
            [],
        ],
        // kills: `period >= 60` made `> 60`
        ["a one-minute alarm period given", { deploymentAlarms: { target5xx: { periodSeconds: 60 } } }, []],
        [
            // kills: the multiple-of-60 check dropped, or joined with `||` to the integer check or to `>= 60`; `period >= 60` made true
            "a 90 s period and a 0 s period",
            { deploymentAlarms: { target5xx: { periodSeconds: 90 }, unhealthyHosts: { periodSeconds: 0 } } },
            [
                "`deploymentAlarms.target5xx.periodSeconds` must be a multiple of 60 from 60 to 3600 (the load balancer's metrics are per minute), got `90`",
                "`deploymentAlarms.unhealthyHosts.periodSeconds` must be a multiple of 60 from 60 to 3600 (the load balancer's metrics are per minute), got `0`",
            ],
        ],
        [
            // kills: `period <= 3600` made true; the window checked when the period already has a problem
            "a two-hour period",
            { deploymentAlarms: { target5xx: { periodSeconds: 7200, evaluationPeriods: 1 } } },
            ["`deploymentAlarms.target5xx.periodSeconds` must be a multiple of 60 from 60 to 3600 (the load balancer's metrics are per minute), got `7200`"],
        ],
        [
            "a 30 s period, a zero threshold and a fractional count",
            { deploymentAlarms: { target5xx: { periodSeconds: 30, threshold: 0 }, unhealthyHosts: { threshold: 1.5, evaluationPeriods: 0 } } },
            [
                "`deploymentAlarms.target5xx.threshold` must be a whole number from 1 to 1000000, got `0`",
                "`deploymentAlarms.target5xx.periodSeconds` must be a multiple of 60 from 60 to 3600 (the load balancer's metrics are per minute), got `30`",
                "`deploymentAlarms.unhealthyHosts.threshold` must be a whole number from 1 to 1000, got `1.5`",
                "`deploymentAlarms.unhealthyHosts.evaluationPeriods` must be a whole number from 1 to 10, got `0`",
            ],
        ],
        [
            "an alarm window longer than an hour, with the default evaluation periods",
            { deploymentAlarms: { unhealthyHosts: { periodSeconds: 1800 } } },
            [
                "`deploymentAlarms.unhealthyHosts.periodSeconds` × `deploymentAlarms.unhealthyHosts.evaluationPeriods` (1800 s × 3 = 5400 s) must be at most 3600 s: " +
                    "ECS keeps every deployment in progress for a bake time it derives from the alarms' windows; shorten one",
            ],
        ],
    ];
    for (const [title, args, problems] of cases) {
        it(title, () => assert.deepStrictEqual(digestPinnedServiceProblems({ ...base, ...args }), problems));
    }

    it("names arguments as the caller asks (the stack program names its config keys) and checks the certificate's region", () => {
        const args: DigestPinnedServiceArgs = {
            image: IMAGE,
            repositoryArn: REPO_ARN,
            https: { certificateArn: CERTIFICATE_ARN.replace("eu-west-1", "us-east-1") },
            autoscaling: { minCount: 4, maxCount: 2 },
        };
        assert.deepStrictEqual(digestPinnedServiceProblems(args, { name: (argument) => `papyrus:${argument}`, region: "eu-west-1" }), [
            "`papyrus:https.certificateArn` must be the ARN of an ACM certificate (`arn:aws:acm:<region>:<account>:certificate/<uuid>`) in the stack's region `eu-west-1`, " +
                `got one in \`us-east-1\` (\`${CERTIFICATE_ARN.replace("eu-west-1", "us-east-1")}\`): a load balancer only uses certificates of its own region`,
            "`papyrus:autoscaling.minCount` (4) must not be more than `papyrus:autoscaling.maxCount` (2)",
        ]);
    });
});
