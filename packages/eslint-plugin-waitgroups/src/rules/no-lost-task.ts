import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/utils';
import { COUNTERS, createRule, methodCall, receiverText, typesOf } from '../util.js';

export default createRule({
  name: 'no-lost-task',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow a task handle that is discarded or never read',
      recommended: true,
      requiresTypeChecking: true,
    },
    hasSuggestions: true,
    messages: {
      discarded:
        'The handle of `{{group}}.task()` is discarded: nothing can call its `done()`, so `{{group}}.wait()` never returns. Keep it with `using`.',
      neverRead:
        'The handle `{{handle}}` of `{{group}}.task()` is never read: its `done()` is never called, so `{{group}}.wait()` never returns. Declare it with `using`.',
      useUsing: 'Declare the handle with `using`: `done()` when the block exits.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;

    /** A name for a new handle that nothing in scope uses yet. */
    const freshName = (node: TSESTree.Node): string => {
      const taken = (name: string): boolean => {
        for (let scope: ReturnType<typeof sourceCode.getScope> | null = sourceCode.getScope(node); scope !== null; scope = scope.upper) {
          if (scope.set.has(name) || scope.through.some((reference) => reference.identifier.name === name)) return true;
        }
        return false;
      };
      let name = 'task';
      for (let i = 2; taken(name); i++) name = `task${i}`;
      return name;
    };

    return {
      CallExpression(node) {
        const task = methodCall(node);
        if (task?.name !== 'task') return;
        const kind = types.kindOf(task.receiver);
        if (kind === undefined || !COUNTERS.has(kind)) return;
        const group = receiverText(sourceCode, task.receiver);
        let parent = node.parent;
        if (parent?.type === AST_NODE_TYPES.UnaryExpression && parent.operator === 'void') parent = parent.parent;
        if (parent?.type === AST_NODE_TYPES.ExpressionStatement) {
          const statement = parent;
          context.report({
            node,
            messageId: 'discarded',
            data: { group },
            suggest: [
              {
                messageId: 'useUsing',
                fix: (fixer) => fixer.replaceText(statement, `using ${freshName(node)} = ${sourceCode.getText(node)};`),
              },
            ],
          });
          return;
        }
        if (parent?.type !== AST_NODE_TYPES.VariableDeclarator || parent.init !== node || parent.id.type !== AST_NODE_TYPES.Identifier) return;
        const declaration = parent.parent;
        if (declaration.kind === 'using' || declaration.kind === 'await using') return;
        if (declaration.parent?.type === AST_NODE_TYPES.ExportNamedDeclaration) return;
        const [variable] = sourceCode.getDeclaredVariables(parent);
        if (variable === undefined || variable.references.some((reference) => reference.isRead())) return;
        // `using` is a constant: not for a variable assigned again, nor a declaration of several.
        const canUse =
          declaration.declarations.length === 1 &&
          declaration.parent?.type !== AST_NODE_TYPES.ForStatement &&
          variable.references.every((reference) => reference.init === true || !reference.isWrite());
        context.report({
          node: parent.id,
          messageId: 'neverRead',
          data: { group, handle: parent.id.name },
          suggest: canUse ? [{ messageId: 'useUsing', fix: (fixer) => fixer.replaceText(sourceCode.getFirstToken(declaration)!, 'using') }] : [],
        });
      },
    };
  },
});
