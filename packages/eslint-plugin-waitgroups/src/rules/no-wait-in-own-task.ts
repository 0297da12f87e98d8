import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/utils';
import { GROUPS, callsOn, createRule, functionOf, goCallOf, methodCall, receiverText, sameReceiver, typesOf } from '../util.js';

/** A task handle of the group, taken in a block around the wait and not done before it. */
function liveHandle(
  sourceCode: Parameters<typeof sameReceiver>[0],
  wait: TSESTree.CallExpression,
  receiver: TSESTree.Node,
): TSESTree.VariableDeclarator | undefined {
  const fn = functionOf(wait);
  for (let n: TSESTree.Node | undefined = wait.parent; n != null && n !== fn; n = n.parent) {
    if (n.type !== AST_NODE_TYPES.BlockStatement && n.type !== AST_NODE_TYPES.Program) continue;
    for (const statement of n.body) {
      if (statement.range[0] >= wait.range[0]) break;
      if (statement.type !== AST_NODE_TYPES.VariableDeclaration) continue;
      for (const declarator of statement.declarations) {
        const task = methodCall(declarator.init);
        if (task?.name !== 'task' || !sameReceiver(sourceCode, task.receiver, receiver)) continue;
        if (statement.kind === 'using' || statement.kind === 'await using') return declarator;
        // A plain handle is live unless its done() comes before the wait.
        if (declarator.id.type !== AST_NODE_TYPES.Identifier) continue;
        const dones = callsOn(sourceCode, n, declarator.id, ['done']).filter((done) => done.call.range[1] <= wait.range[0]);
        if (dones.length === 0) return declarator;
      }
    }
  }
  return undefined;
}

export default createRule({
  name: 'no-wait-in-own-task',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow waiting for a group from inside one of its own tasks',
      recommended: true,
      requiresTypeChecking: true,
    },
    messages: {
      inGoTask:
        '`{{group}}.{{method}}()` inside a task that `{{group}}.{{start}}()` started never returns: the group waits for this very task. Wait outside the task.',
      inHandleTask:
        '`{{group}}.{{method}}()` while the task handle `{{handle}}` of `{{group}}` is not done never returns: the group waits for that handle. Wait after the block that holds it.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;
    return {
      CallExpression(node) {
        const wait = methodCall(node);
        if (wait === undefined || (wait.name !== 'wait' && wait.name !== 'waitSync')) return;
        const kind = types.kindOf(wait.receiver);
        if (kind === undefined || !GROUPS.has(kind)) return;
        const group = receiverText(sourceCode, wait.receiver);
        // Only the task's own body is judged: a wait in a function it defers (a timer, a
        // callback) may run after the task has ended.
        const fn = functionOf(node);
        const start = fn === undefined ? undefined : goCallOf(types, fn);
        if (start !== undefined && sameReceiver(sourceCode, start.receiver, wait.receiver)) {
          context.report({ node, messageId: 'inGoTask', data: { group, method: wait.name, start: start.name } });
          return;
        }
        const handle = liveHandle(sourceCode, node, wait.receiver);
        if (handle !== undefined) {
          context.report({ node, messageId: 'inHandleTask', data: { group, method: wait.name, handle: sourceCode.getText(handle.id) } });
        }
      },
    };
  },
});
