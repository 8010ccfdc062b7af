// typescript-eslint's recommended rules over the project's JavaScript and TypeScript, run by
// `npm test` (`npm run lint`). Layout is prettier's job (`npm run format`), not the linter's.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["**/node_modules/**", ".tools/**", ".venv/**", ".stryker-tmp/**", "reports/**", "bench/out/**", "evidence/**", "dist/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: globals.node },
        rules: {
            // A leading underscore marks an argument or binding unused on purpose.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
            // The name and path validators reject control characters, so their patterns name them.
            "no-control-regex": "off",
        },
    },
    {
        // CommonJS that runs before TypeScript: the CLI's bin and its Node version check, and the
        // hooks `npm run mutate` preloads into Stryker's processes (scripts/*.cjs).
        files: ["**/*.js", "**/*.cjs"],
        languageOptions: { sourceType: "commonjs" },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        // Tests, their fixtures and the mocks evaluator read untyped engine and AWS payloads (mock
        // inputs, emulator JSON, dynamic provider inputs); the product code keeps `any` out.
        files: ["test/**/*.ts", "testkit/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
    },
);
