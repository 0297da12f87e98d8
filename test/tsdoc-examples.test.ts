// Every `@example` of the TSDoc in src/ is code that compiles and, where it can, runs and prints
// what its comments say. Each example becomes a file of .cache/tsdoc-examples/, inside the
// package, so that `import ... from 'waitgroups'` resolves to the built package through its
// `exports` (run `npm run build` first), as it does for a user.
//
// - Type check: every example, with the compiler options of tsconfig.json.
// - Run: every example that needs nothing outside itself, with `node --import tsx`. An example
//   is not runnable, and is only type-checked, when it
//     - declares values that come from outside (`declare const buffer: ...`, `declare function`),
//     - uses the network (`fetch(`), or
//     - starts a worker (`new Worker(new URL('./worker.js', ...))`) whose file is not an example.
//   A program of several files is one `@example` per file, each starting with a `// worker.ts`
//   comment naming its file: the files of one symbol go into one directory, and a worker file
//   is compiled to the `.js` that `new Worker` loads (it runs as that worker, not on its own).
//   A run must exit with code 0.
// - Output comments: on a line that calls `console.log` (or `.info`, `.warn`, `.error`), a
//   trailing `// text` is the output of that call: the first line of what it prints (an Error's
//   stack follows on the next lines) must be `text`, every time the line runs, and the line must
//   run. Comments on other lines are prose. So `console.log(a.count, b.count); // 0 1`.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { root, runNode } from './support/child-process.ts';

interface Example {
  /** Where it is, for the test's name: `src/group.ts Group.signal`. */
  name: string;
  /** The line of src that holds the example's first line of code. */
  firstLine: number;
  code: string;
  file: string;
  /** The file name the example gives itself in its first line (`// worker.ts`), if any. */
  fileName: string | undefined;
}

/** The workers an example starts: the `X` of `new Worker(new URL('./X.js', ...))`. */
function workersOf(example: Example): string[] {
  return [...example.code.matchAll(/\bnew Worker\(\s*new URL\('\.\/([\w.-]+)\.js'/g)].map((match) => match[1]!);
}

/** The sibling examples that are the files of the workers `example` starts; undefined if one is missing. */
function workerFiles(example: Example): Example[] | undefined {
  const files = workersOf(example).map((name) => examples.find((other) => other.file === join(dirname(example.file), `${name}.ts`)));
  return files.every((file) => file !== undefined) ? files : undefined;
}

/** Why `example` is only type-checked, or undefined when it runs. */
function notRun(example: Example): string | undefined {
  if (/^\s*declare\s/m.test(example.code)) return 'it declares outside values';
  if (/from 'waitgroups\/redis'/.test(example.code)) return 'it needs a Redis server (test/redis/ runs the same calls against one)';
  if (/\bfetch\(/.test(example.code)) return 'it uses the network (fetch)';
  if (/\bnew Worker\b/.test(example.code) && workerFiles(example) === undefined) return 'it starts a worker whose file is not an example';
  const main = examples.find((other) => workersOf(other).some((name) => example.file === join(dirname(other.file), `${name}.ts`)));
  if (main !== undefined) return `it runs as the worker of ${main.name}`;
  return undefined;
}

const out = join(root, '.cache/tsdoc-examples');
const recorder = join(root, 'test/fixtures/record-console.mjs');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The name of a declaration for the report: `WaitGroup`, `WaitGroup.add`, `new Group()`. */
function symbolOf(node: ts.Node): string {
  const own = (n: ts.Node): string | undefined => {
    if (ts.isConstructorDeclaration(n)) return undefined;
    const name = (n as { name?: ts.Node }).name;
    return name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) ? name.text : undefined;
  };
  const parent = node.parent;
  const owner = parent !== undefined && (ts.isClassDeclaration(parent) || ts.isInterfaceDeclaration(parent)) ? own(parent) : undefined;
  if (ts.isConstructorDeclaration(node)) return `new ${owner ?? '?'}()`;
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  const name = own(node) ?? '?';
  return owner === undefined ? name : `${owner}.${name}`;
}

function extract(): Example[] {
  const examples: Example[] = [];
  for (const path of sourceFiles(join(root, 'src')).sort()) {
    const text = readFileSync(path, 'utf8');
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const file = relative(root, path);
    const seen = new Set<number>();
    const visit = (node: ts.Node): void => {
      for (const tag of ts.getJSDocTags(node)) {
        if (tag.tagName.text !== 'example' || seen.has(tag.pos)) continue;
        seen.add(tag.pos);
        const raw = text.slice(tag.pos, tag.end);
        const fence = /```ts\n([\s\S]*?)\n[ \t]*\*?[ \t]*```/.exec(raw);
        assert.ok(fence, `${file}:${source.getLineAndCharacterOfPosition(tag.pos).line + 1}: an @example without a \`\`\`ts block`);
        const code = fence[1]!
          .split('\n')
          .map((line) => line.replace(/^[ \t]*\* ?/, ''))
          .join('\n');
        const firstLine = source.getLineAndCharacterOfPosition(tag.pos + fence.index).line + 2;
        const symbol = symbolOf(node);
        const count = examples.filter((example) => example.name.startsWith(`${file} ${symbol}`)).length;
        const fileName = /^\/\/ ([\w.-]+\.ts)\n/.exec(code)?.[1];
        const name = `${file} ${symbol}${fileName !== undefined ? ` (${fileName})` : count === 0 ? '' : ` (example ${count + 1})`}`;
        const id = `${file.replace(/^src\//, '').replace(/\.ts$/, '')}-${symbol}`.replace(/[^\w.-]+/g, '_');
        const path = fileName === undefined ? join(out, `${id}-${count + 1}.ts`) : join(out, id, fileName);
        examples.push({ name, firstLine, code: `${code}\n`, file: path, fileName });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    const written = text.match(/@example\b/g)?.length ?? 0;
    const found = examples.filter((example) => example.name.startsWith(`${file} `)).length;
    assert.equal(found, written, `${file}: ${written} @example tags, ${found} extracted (an @example on a node the walk does not reach?)`);
  }
  return examples;
}

/** The diagnostics of every example, by file, from one program with tsconfig.json's options. */
function typeCheck(examples: Example[]): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => assert.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  });
  assert.ok(config !== undefined);
  const program = ts.createProgram(
    examples.map((example) => example.file),
    { ...config.options, noEmit: true },
  );
  const byFile = new Map<string, string[]>(examples.map((example) => [example.file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file?.fileName;
    const where = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
    const list = file === undefined ? undefined : byFile.get(file);
    if (list === undefined) assert.fail(`a diagnostic outside the examples: ${file ?? ''}:${where}: ${message}`);
    list.push(`example line ${where}: ${message}`);
  }
  return byFile;
}

/** The output comments of an example: line (of the example) to the expected first line printed. */
function outputComments(code: string): Map<number, string> {
  const comments = new Map<number, string>();
  code.split('\n').forEach((line, index) => {
    const match = /\bconsole\.(?:log|info|warn|error)\(.*\/\/ (.+)$/.exec(line);
    if (match) comments.set(index + 1, match[1]!.trim());
  });
  return comments;
}

assert.ok(existsSync(join(root, 'dist/index.d.ts')), "the examples are checked against the built package: run 'npm run build' first");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const examples = extract();
for (const example of examples) {
  mkdirSync(dirname(example.file), { recursive: true });
  writeFileSync(example.file, example.code);
}
const diagnostics = typeCheck(examples);

describe('TSDoc examples', { concurrency: 2 }, () => {
  test('every @example of src/ is extracted, and most of them run', () => {
    assert.ok(examples.length >= 20, `${examples.length} examples found`);
    // Of the examples that need nothing outside this process (no network, no Redis server).
    const local = examples.filter((example) => !/needs a Redis server/.test(notRun(example) ?? ''));
    const runnable = local.filter((example) => notRun(example) === undefined);
    assert.ok(runnable.length * 3 >= local.length * 2, `only ${runnable.length} of ${local.length} local examples run`);
  });

  for (const example of examples) {
    const where = `${example.name} (its code starts at line ${example.firstLine})`;
    const skip = notRun(example);
    test(`${example.name}: ${skip === undefined ? 'compiles, runs and prints what its comments say' : `compiles (not run: ${skip})`}`, async () => {
      const problems = diagnostics.get(example.file) ?? [];
      assert.deepEqual(problems, [], `${where} does not compile:\n  ${problems.join('\n  ')}\n${example.code}`);
      if (skip !== undefined) return;
      for (const worker of workerFiles(example) ?? []) {
        const { outputText } = ts.transpileModule(worker.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        writeFileSync(worker.file.replace(/\.ts$/, '.js'), outputText);
      }

      const log = `${example.file}.console.jsonl`;
      rmSync(log, { force: true });
      const { code, signal, stdout, stderr } = await runNode(['--import', 'tsx', '--import', recorder, example.file], {
        env: { WAITGROUPS_CONSOLE_LOG: log },
        timeout: 30_000,
      });
      assert.equal(code, 0, `${where} exited with ${code ?? signal}:\n${stdout}${stderr}`);
      const calls = existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as { line: number | null; text: string })
        : [];
      for (const [line, expected] of outputComments(example.code)) {
        const printed = calls.filter((call) => call.line === line).map((call) => call.text.split('\n')[0]);
        const source = example.code.split('\n')[line - 1]!.trim();
        assert.ok(printed.length > 0, `${where}, line ${line} never printed: \`${source}\``);
        for (const text of printed) {
          assert.equal(text, expected, `${where}, line ${line}: \`${source}\` printed ${JSON.stringify(text)}, its comment says ${JSON.stringify(expected)}`);
        }
      }
    });
  }
});
