// The policy entry, `papyrus-deploy/policy`: the pure checks (./rules.ts) and the policies wired to
// them (./policies.ts). Loading it starts no policy server. An adopter's pack program is
//
//     import { PolicyPack } from "@pulumi/policy";
//     import { POLICY_PACK_NAME, policyPackArgs } from "papyrus-deploy/policy";
//     new PolicyPack(POLICY_PACK_NAME, policyPackArgs);
//
// or the compiled pack this package ships: `--policy-pack node_modules/papyrus-deploy/dist/policy`.
export * from "./rules";
export * from "./policies";
