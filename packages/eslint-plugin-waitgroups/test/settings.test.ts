// `settings.waitgroups.sources`: the package's own repository, whose code imports `../src`.
import { RuleTester } from '@typescript-eslint/rule-tester';
import rule from '../src/rules/no-lost-task.ts';
import { fixtures } from './tester.ts';

const tsconfigRootDir = `${fixtures}own-sources/`;
const code = `import { WaitGroup } from './src/wait-group.ts';\nconst wg = new WaitGroup();\nwg.task();\n`;

new RuleTester({
  languageOptions: { parserOptions: { projectService: true, tsconfigRootDir } },
  settings: { waitgroups: { sources: ['src'] } },
}).run('sources: a directory of the package itself', rule, {
  valid: [{ code, settings: { waitgroups: { sources: ['lib'] } } }],
  invalid: [
    {
      code,
      errors: [{ messageId: 'discarded', line: 3, column: 1, suggestions: [{ messageId: 'useUsing', output: code.replace('wg.task();', 'using task = wg.task();') }] }],
    },
  ],
});

// Without the setting, the same class is a look-alike.
new RuleTester({ languageOptions: { parserOptions: { projectService: true, tsconfigRootDir } } }).run('no sources: not the package', rule, {
  valid: [{ code }],
  invalid: [],
});
