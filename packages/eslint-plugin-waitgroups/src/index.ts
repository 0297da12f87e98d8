// eslint-plugin-waitgroups: the rules, and the `recommended` flat config.
import type { TSESLint } from '@typescript-eslint/utils';
import type { ESLint, Linter } from 'eslint';
import addBeforeStart from './rules/add-before-start.js';
import doneInFinally from './rules/done-in-finally.js';
import groupRequiresWait from './rules/group-requires-wait.js';
import noDoneInGo from './rules/no-done-in-go.js';
import noLostTask from './rules/no-lost-task.js';
import noStructuredClone from './rules/no-structured-clone.js';
import noWaitInOwnTask from './rules/no-wait-in-own-task.js';
import preferGo from './rules/prefer-go.js';
import { VERSION } from './util.js';

const rules = {
  'add-before-start': addBeforeStart,
  'done-in-finally': doneInFinally,
  'group-requires-wait': groupRequiresWait,
  'no-done-in-go': noDoneInGo,
  'no-lost-task': noLostTask,
  'no-structured-clone': noStructuredClone,
  'no-wait-in-own-task': noWaitInOwnTask,
  'prefer-go': preferGo,
};

/** The names of the rules, as `waitgroups/<name>` refers to them. */
export type RuleName = keyof typeof rules;

interface Plugin {
  meta: { name: string; version: string; namespace: string };
  rules: Record<RuleName, TSESLint.LooseRuleDefinition>;
  configs: { recommended: Linter.Config };
}

const plugin: Plugin = {
  meta: { name: 'eslint-plugin-waitgroups', version: VERSION, namespace: 'waitgroups' },
  rules,
  configs: { recommended: {} },
};

/**
 * recommended turns every rule on: the mistakes as errors, `prefer-go` (a simpler spelling of
 * correct code) as a warning. The rules need type information: use it with typescript-eslint's
 * parser and `parserOptions.projectService`.
 */
plugin.configs.recommended = {
  name: 'waitgroups/recommended',
  plugins: { waitgroups: plugin as unknown as ESLint.Plugin },
  rules: Object.fromEntries(
    Object.keys(rules).map((name) => [`waitgroups/${name}`, name === 'prefer-go' ? 'warn' : 'error']),
  ) as Linter.RulesRecord,
};

export default plugin;
