import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/utils';
import { COUNTERS, createRule, indentOf, methodCall, receiverText, sameReceiver, statementExpression, statementList, typesOf } from '../util.js';

/** The function of `(async () => { try { B } finally { G.done(); } })()`, without arguments, or undefined. */
function taskOfIife(expression: TSESTree.Expression | undefined): { fn: TSESTree.ArrowFunctionExpression; body: TSESTree.BlockStatement; done: TSESTree.Expression } | undefined {
  if (expression?.type !== AST_NODE_TYPES.CallExpression || expression.arguments.length > 0) return undefined;
  const fn = expression.callee;
  if (fn.type !== AST_NODE_TYPES.ArrowFunctionExpression || fn.params.length > 0 || fn.body.type !== AST_NODE_TYPES.BlockStatement) return undefined;
  const [statement, ...rest] = fn.body.body;
  if (statement?.type !== AST_NODE_TYPES.TryStatement || rest.length > 0 || statement.handler !== null || statement.finalizer === null) return undefined;
  const [done, ...others] = statement.finalizer.body;
  if (done?.type !== AST_NODE_TYPES.ExpressionStatement || others.length > 0) return undefined;
  return { fn, body: statement.block, done: done.expression };
}

export default createRule({
  name: 'prefer-go',
  meta: {
    type: 'suggestion',
    docs: {
      description: 'Prefer `go()` to `add(1)` and an async IIFE that calls `done()` in `finally`',
      recommended: true,
      requiresTypeChecking: true,
    },
    fixable: 'code',
    messages: {
      preferGo: '`{{group}}.add(1)` and a task that calls `{{group}}.done()` in `finally` is `{{group}}.go(task)`.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;
    return {
      ExpressionStatement(statement) {
        const add = methodCall(statement.expression);
        if (add?.name !== 'add') return;
        const delta = add.call.arguments[0];
        if (delta !== undefined && !(delta.type === AST_NODE_TYPES.Literal && delta.value === 1)) return;
        const kind = types.kindOf(add.receiver);
        if (kind === undefined || !COUNTERS.has(kind)) return;
        const list = statementList(statement.parent);
        const next = list?.[list.indexOf(statement) + 1];
        const task = taskOfIife(statementExpression(next));
        const done = methodCall(task?.done);
        if (task === undefined || next === undefined || done?.name !== 'done' || done.call.arguments.length > 0) return;
        if (!sameReceiver(sourceCode, done.receiver, add.receiver)) return;
        const group = receiverText(sourceCode, add.receiver);
        context.report({
          node: add.call,
          messageId: 'preferGo',
          data: { group },
          fix: (fixer) => {
            // The try block's statements move out one level: take away the indentation they gain inside the try.
            const extra = indentOf(sourceCode, task.body.body[0] ?? task.body).length - indentOf(sourceCode, task.fn.body).length - 2;
            const dedent = extra > 0 ? new RegExp(`\\n {${extra}}`, 'g') : undefined;
            const block = sourceCode.getText(task.body);
            const body = dedent === undefined ? block : block.replace(dedent, '\n');
            const head = task.fn.async ? 'async () => ' : '() => ';
            return fixer.replaceTextRange([statement.range[0], next.range[1]], `void ${sourceCode.getText(add.receiver)}.go(${head}${body});`);
          },
        });
      },
    };
  },
});
