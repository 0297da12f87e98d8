// The rules on real code: the README's code and the examples, linted as a user's project with
// `recommended`, report nothing; each deliberate mistake reports exactly its rule.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import plugin from '../src/index.ts';
import { fixtures } from './tester.ts';

const root = path.resolve(fixtures, '../../../..');
const mistakes = path.join(fixtures, 'mistakes');
const corpus = path.join(fixtures, 'corpus');

function eslint(): ESLint {
  return new ESLint({
    cwd: fixtures,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: fixtures } },
      },
      plugin.configs.recommended,
    ],
  });
}

/** The README's TypeScript blocks, each as a file. */
function readmeBlocks(): { name: string; code: string }[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match, i) => ({ name: `readme-${i + 1}.ts`, code: match[1]! }));
}

describe('corpus', () => {
  before(() => {
    // In the fixtures project, `waitgroups` is a package in node_modules, as for a user.
    rmSync(corpus, { recursive: true, force: true });
    mkdirSync(corpus);
    writeFileSync(path.join(corpus, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['**/*.ts'] }));
    for (const { name, code } of readmeBlocks()) writeFileSync(path.join(corpus, name), code);
    cpSync(path.join(root, 'examples'), path.join(corpus, 'examples'), { recursive: true });
  });
  after(() => rmSync(corpus, { recursive: true, force: true }));

  test('the README code blocks and examples/ report nothing with recommended', async () => {
    const blocks = readmeBlocks();
    assert.ok(blocks.length >= 5, `README blocks found: ${blocks.length}`);
    const results = await eslint().lintFiles(['corpus/**/*.ts']);
    const files = results.map((result) => path.relative(corpus, result.filePath));
    assert.ok(files.includes('examples/tour.ts') && files.includes('readme-1.ts'), files.join(', '));
    const problems = results.flatMap((result) =>
      result.messages.map((m) => `${path.relative(corpus, result.filePath)}:${m.line}:${m.column} ${m.ruleId ?? 'fatal'}: ${m.message}`),
    );
    assert.deepEqual(problems, []);
  });

  test("the README's flat config works as it says, beside no-floating-promises and no-unused-vars", async () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const config = /^```js\n(\/\/ eslint\.config\.js\n[\s\S]*?)^```$/m.exec(readme)?.[1];
    assert.ok(config, 'the README shows an eslint.config.js');
    const dir = path.join(corpus, 'user');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'eslint.config.js'), config);
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'] }));
    writeFileSync(
      path.join(dir, 'job.ts'),
      [
        "import { WaitGroup } from 'waitgroups';",
        'const wg = new WaitGroup();',
        'async function job(): Promise<void> {',
        "  using task = wg.task('job');", // used only by its block's end: not an unused variable
        '  await new Promise((resolve) => setTimeout(resolve, 1));',
        '}',
        'void job();',
        "wg.task('lost');",
        'wg.wait();',
        '',
      ].join('\n'),
    );
    const results = await new ESLint({ cwd: dir, overrideConfigFile: path.join(dir, 'eslint.config.js') }).lintFiles(['job.ts']);
    assert.deepEqual(
      results.flatMap((result) => result.messages.map((m) => `${m.line} ${m.ruleId ?? m.message}`)),
      ['8 waitgroups/no-lost-task', '9 @typescript-eslint/no-floating-promises'],
    );
  });

  const files = readdirSync(mistakes).filter((file) => file.endsWith('.ts'));
  test('there is a mistake for every rule', () => {
    assert.deepEqual(new Set(files.map((file) => file.replace(/(--.*)?\.ts$/, ''))), new Set(Object.keys(plugin.rules)));
  });
  for (const file of files) {
    const rule = `waitgroups/${file.replace(/(--.*)?\.ts$/, '')}`;
    test(`mistakes/${file} reports exactly ${rule}`, async () => {
      const [result] = await eslint().lintFiles([path.join('mistakes', file)]);
      assert.ok(result);
      assert.deepEqual(
        result.messages.map((m) => (m.ruleId === rule ? rule : `${m.ruleId ?? 'fatal'}: ${m.message}`)),
        [rule],
      );
    });
  }
});
