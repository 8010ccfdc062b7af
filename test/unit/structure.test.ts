// The shape of automation/: no file imports one that imports it back (directly or
// round a longer circle), and no file grows past a size a newcomer can read in one go.
// Imports are read as text: every relative `import`/`export … from` of a .ts file,
// `import type` included (a type-only circle still ties the two files together).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../automation");
const MAX_LINES = 400;

function tsFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return tsFiles(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
}

/** The automation/ files `file` imports, by path relative to automation/. */
export function relativeImports(file: string, source: string): string[] {
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.[^"']+)["']/gms)].map((m) => m[1]);
    return specifiers
        .map((spec) => path.resolve(path.dirname(file), spec))
        .map((target) => [`${target}.ts`, path.join(target, "index.ts")].find((candidate) => fs.existsSync(candidate)))
        .filter((target): target is string => target !== undefined && target.startsWith(ROOT + path.sep));
}

/** Every circle in the graph, each once, as the list of files round it (strongly connected components of more than one file, or a file importing itself). */
export function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
    // Tarjan's algorithm.
    let index = 0;
    const indexOf = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (node: string) => {
        indexOf.set(node, index);
        low.set(node, index++);
        stack.push(node);
        onStack.add(node);
        for (const next of graph.get(node) ?? []) {
            if (!indexOf.has(next)) {
                visit(next);
                low.set(node, Math.min(low.get(node)!, low.get(next)!));
            } else if (onStack.has(next)) {
                low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
            }
        }
        if (low.get(node) === indexOf.get(node)) {
            const component: string[] = [];
            let member: string;
            do {
                member = stack.pop()!;
                onStack.delete(member);
                component.push(member);
            } while (member !== node);
            if (component.length > 1 || (graph.get(node) ?? []).includes(node)) circles.push(component.sort());
        }
    };
    for (const node of [...graph.keys()].sort()) if (!indexOf.has(node)) visit(node);
    return circles;
}

describe("automation/: structure", () => {
    const files = tsFiles(ROOT);
    const graph = new Map(
        files.map((file) => [path.relative(ROOT, file), relativeImports(file, fs.readFileSync(file, "utf8")).map((t) => path.relative(ROOT, t))]),
    );

    it("finds circles, and only circles (the checker itself)", () => {
        const circles = importCircles(
            new Map([
                ["a.ts", ["b.ts"]],
                ["b.ts", ["c.ts"]],
                ["c.ts", ["a.ts"]],
                ["d.ts", ["a.ts", "d.ts"]],
                ["e.ts", ["f.ts"]],
                ["f.ts", []],
            ]),
        );
        assert.deepStrictEqual(circles, [["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
        const imports = relativeImports(
            path.join(ROOT, "cli", "main.ts"),
            'import type { X } from "../record/evidence";\nimport {\n  Y,\n} from "./commandTable";\nimport * as fs from "fs";\n',
        );
        assert.deepStrictEqual(
            imports.map((t) => path.relative(ROOT, t)),
            [path.join("record", "evidence.ts"), path.join("cli", "commandTable.ts")],
        );
    });

    it("reads the imports of every file (the graph is not empty)", () => {
        assert.ok(files.length > 20, `only ${files.length} files found under ${ROOT}`);
        assert.ok(
            [...graph.values()].some((targets) => targets.length > 0),
            "no relative import found: the reader is broken",
        );
    });

    it("has no import circle", () => {
        const circles = importCircles(graph);
        assert.deepStrictEqual(
            circles.map((c) => c.join(" → ")),
            [],
            `files that import each other, directly or round a circle: ${circles.length} circle(s)`,
        );
    });

    it(`has no file over ${MAX_LINES} lines`, () => {
        const long = files
            .map((file) => ({ file: path.relative(ROOT, file), lines: fs.readFileSync(file, "utf8").split("\n").length - 1 }))
            .filter((f) => f.lines > MAX_LINES)
            .map((f) => `${f.file}: ${f.lines} lines`);
        assert.deepStrictEqual(long, []);
    });
});
