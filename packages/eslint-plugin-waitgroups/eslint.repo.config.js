// Lints this repository's own code with the plugin: `npm run lint:repo`, from the repository
// root. The sources import each other (`./wait-group.js`) and the examples and tests reach
// `dist/` through the package's self-reference, where `{ from: 'package' }` sees no package:
// the `sources` setting names both directories.
import tseslint from 'typescript-eslint';
import waitgroups from './dist/index.js';

const code = ['src/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'];

export default [
  // Type tests: calls written only so that the compiler checks their types, never run.
  { ignores: ['test/types/**'] },
  {
    files: code,
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: new URL('../..', import.meta.url).pathname },
    },
    settings: { waitgroups: { sources: ['src', 'dist'] } },
  },
  { ...waitgroups.configs.recommended, files: code },
  {
    // The tests drive counters by hand, one step at a time, and commit the misuse whose runtime
    // error they check (a done() inside go(), a group made only to read tryGo's result): there a
    // failing step fails the test, and nobody is left waiting. The structural rules still apply.
    files: ['test/**/*.ts'],
    rules: {
      'waitgroups/add-before-start': 'off',
      'waitgroups/done-in-finally': 'off',
      'waitgroups/no-done-in-go': 'off',
      'waitgroups/group-requires-wait': 'off',
    },
  },
];
