// The driver's typed errors, one import for all: the base and the exit codes (deployError.ts),
// then by family: the stack or AWS unusable now (stackErrors.ts), the image (imageErrors.ts),
// nothing to take or a gate refused (gateErrors.ts), and how an update that ran ended
// (updateErrors.ts).
export * from "./deployError";
export * from "./stackErrors";
export * from "./imageErrors";
export * from "./gateErrors";
export * from "./updateErrors";
