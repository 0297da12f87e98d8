import { AST_NODE_TYPES } from '@typescript-eslint/utils';
import { createRule, propertyName, typesOf } from '../util.js';

/** Members that use a group without waiting for it or letting it escape. */
const STARTS = new Set(['go', 'tryGo']);
const NEUTRAL = new Set(['setLimit', 'signal']);

export default createRule({
  name: 'group-requires-wait',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require `wait()` on a local `Group` that is given tasks',
      recommended: true,
      requiresTypeChecking: true,
    },
    messages: {
      neverWaited:
        'Group `{{name}}` is given tasks but never waited for: a failing task\'s error is dropped and nothing knows when the tasks end. Call `await {{name}}.wait()`, declare it with `await using`, or use `Group.scope()`.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;
    return {
      VariableDeclarator(node) {
        if (node.id.type !== AST_NODE_TYPES.Identifier || node.init?.type !== AST_NODE_TYPES.NewExpression) return;
        // `await using group = new Group()` waits when the block exits.
        if (node.parent.kind === 'await using' || node.parent.parent?.type === AST_NODE_TYPES.ExportNamedDeclaration) return;
        if (types.kindOf(node.init) !== 'Group') return;
        const [variable] = sourceCode.getDeclaredVariables(node);
        if (variable === undefined) return;
        let started = false;
        for (const reference of variable.references) {
          if (reference.init === true || !reference.isRead()) continue;
          const id = reference.identifier;
          const member = id.parent;
          // Anything but `group.go(…)`, `group.tryGo(…)`, `group.setLimit(…)`, `group.signal`
          // waits for it or lets it escape (returned, passed, stored), where we stop judging.
          if (member?.type !== AST_NODE_TYPES.MemberExpression || member.object !== id) return;
          const name = propertyName(member);
          if (name === undefined) return;
          const called = member.parent?.type === AST_NODE_TYPES.CallExpression && member.parent.callee === member;
          if (STARTS.has(name) && called) started = true;
          else if (!NEUTRAL.has(name)) return;
        }
        if (started) context.report({ node: node.id, messageId: 'neverWaited', data: { name: node.id.name } });
      },
    };
  },
});
