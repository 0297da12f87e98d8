import { AST_NODE_TYPES, type TSESLint, type TSESTree } from '@typescript-eslint/utils';
import {
  COUNTERS,
  callsOn,
  createRule,
  goCallOf,
  isFunction,
  methodCall,
  rangeWithLine,
  receiverText,
  sameReceiver,
  statementExpression,
  statementList,
  typesOf,
  type MethodCall,
} from '../util.js';

export default createRule({
  name: 'no-done-in-go',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow `done()` in a task that `go()` already counts, and a handle done twice',
      recommended: true,
      requiresTypeChecking: true,
    },
    hasSuggestions: true,
    messages: {
      doneInGo:
        '`{{group}}.done()` inside a task of `{{group}}.go()`: `go()` already calls `done()` when the task ends, so this one takes another task\'s unit (`wait()` returns while it still runs) or throws `sync: negative WaitGroup counter`.',
      doneTwice: '`{{handle}}.done()` a second time on the same path throws `ERR_WAITGROUP_TASK_ALREADY_DONE`.',
      remove: 'Remove this `done()`.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;

    const removal = (node: TSESTree.CallExpression) => {
      const statement = node.parent;
      if (statement?.type !== AST_NODE_TYPES.ExpressionStatement || statementList(statement.parent) === undefined) return [];
      return [{ messageId: 'remove' as const, fix: (fixer: TSESLint.RuleFixer) => fixer.removeRange(rangeWithLine(sourceCode, statement)) }];
    };

    /** The `go()` task of the same group around the `done()`, through nested functions. */
    const goTaskAround = (done: MethodCall): TSESTree.Node | undefined => {
      for (let n: TSESTree.Node | undefined = done.call.parent; n != null; n = n.parent) {
        if (!isFunction(n)) continue;
        const start = goCallOf(types, n);
        if (start?.name === 'go' && sameReceiver(sourceCode, start.receiver, done.receiver)) return n;
      }
      return undefined;
    };

    /** An earlier `h.done()` statement on the path to this one, in the same function. */
    const doneBefore = (done: MethodCall): boolean => {
      const statement = done.call.parent;
      if (statement?.type !== AST_NODE_TYPES.ExpressionStatement) return false;
      for (let n: TSESTree.Node = statement; n.parent != null && !isFunction(n); n = n.parent) {
        const list = statementList(n.parent);
        if (list === undefined) continue;
        for (let i = list.indexOf(n) - 1; i >= 0; i--) {
          const previous = list[i]!;
          const call = methodCall(statementExpression(previous));
          if (call?.name === 'done' && sameReceiver(sourceCode, call.receiver, done.receiver)) return true;
          // A new handle in the same variable starts over.
          if (previous.type === AST_NODE_TYPES.ExpressionStatement && previous.expression.type === AST_NODE_TYPES.AssignmentExpression && sameReceiver(sourceCode, previous.expression.left, done.receiver)) return false;
        }
      }
      return false;
    };

    return {
      CallExpression(node) {
        const done = methodCall(node);
        if (done?.name !== 'done' || node.arguments.length > 0) return;
        const kind = types.kindOf(done.receiver);
        if (kind === 'TaskHandle') {
          if (doneBefore(done)) context.report({ node, messageId: 'doneTwice', data: { handle: receiverText(sourceCode, done.receiver) }, suggest: removal(node) });
          return;
        }
        if (kind === undefined || !COUNTERS.has(kind)) return;
        const task = goTaskAround(done);
        // A done() that pairs with an add() inside the task counts a task of its own.
        if (task === undefined || callsOn(sourceCode, task, done.receiver, ['add', 'task']).length > 0) return;
        context.report({ node, messageId: 'doneInGo', data: { group: receiverText(sourceCode, done.receiver) }, suggest: removal(node) });
      },
    };
  },
});
