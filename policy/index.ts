// The `papyrus-digest-pinning` policy pack. Run it with the stack:
//
//     pulumi preview --policy-pack policy --stack dev
//     pulumi up      --policy-pack policy --stack prod
//
// Every policy is mandatory: a violation fails the preview or update before
// anything changes. The checks themselves are pure functions in ./rules.ts
// (tested in test/policy/policyRules.test.ts; the served pack in test/policy/policyPack.test.ts), wired to policies in ./policies.ts; this file only starts the pack.
// Importing it starts the policy server, as `pulumi` expects of a pack.

import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, policyPackArgs } from "./policies";

export { ENFORCEMENT_LEVEL, POLICY_PACK_NAME, policies, policyPackArgs } from "./policies";

new PolicyPack(POLICY_PACK_NAME, policyPackArgs);
