import { AST_NODE_TYPES, type TSESLint, type TSESTree } from '@typescript-eslint/utils';
import {
  COUNTERS,
  awaitsOf,
  callTaking,
  callsOn,
  createRule,
  functionOf,
  goCallOf,
  indentOf,
  methodCall,
  rangeWithLine,
  receiverText,
  sameReceiver,
  statementExpression,
  statementList,
  typesOf,
  variableOf,
  within,
  type FunctionNode,
  type MethodCall,
} from '../util.js';

/** Tells whether `node` is in a `finally` block inside `fn`. */
function inFinally(node: TSESTree.Node, fn: TSESTree.Node | undefined): boolean {
  for (let n: TSESTree.Node | undefined = node; n?.parent != null && n !== fn; n = n.parent) {
    if (n.parent.type === AST_NODE_TYPES.TryStatement && n.parent.finalizer === n) return true;
  }
  return false;
}

/** Tells whether an `await` is in a `try` with a `catch` that the `done()` follows. */
function caught(awaited: TSESTree.Node, done: TSESTree.Node): boolean {
  for (let n: TSESTree.Node | undefined = awaited; n?.parent != null; n = n.parent) {
    const parent: TSESTree.Node = n.parent;
    if (parent.type === AST_NODE_TYPES.TryStatement && parent.block === n && parent.handler !== null && !within(done, parent.block)) return true;
  }
  return false;
}

export default createRule({
  name: 'done-in-finally',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require `done()` to run whether the task succeeds or fails',
      recommended: true,
      requiresTypeChecking: true,
    },
    hasSuggestions: true,
    messages: {
      afterAwait:
        '`{{done}}` is skipped if the `await` before it throws, and then `{{group}}.wait()` never returns. Call it in a `finally` block, or let `go()` or `using` do it.',
      afterThen:
        '`{{done}}` is skipped if the promise before `.then()` rejects, and then `{{group}}.wait()` never returns. Call it in `.finally()`.',
      tryFinally: 'Wrap the task in `try { … } finally { {{done}}; }`.',
      useFinally: 'Move `{{done}}` into `.finally()`.',
      useGo: 'Use `{{group}}.go()`, which calls `done()` however the task ends.',
      useUsing: 'Declare the handle with `using`, which calls `done()` however the block exits.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;
    type Suggestion = TSESLint.SuggestionReportDescriptor<'tryFinally' | 'useFinally' | 'useGo' | 'useUsing'>;

    /** The `done()` statement when it is the last one of the function's body. */
    const lastStatement = (done: MethodCall, fn: FunctionNode): TSESTree.ExpressionStatement | undefined => {
      const statement = done.call.parent;
      if (statement?.type !== AST_NODE_TYPES.ExpressionStatement || fn.body.type !== AST_NODE_TYPES.BlockStatement) return undefined;
      return fn.body.body.at(-1) === statement ? statement : undefined;
    };

    const tryFinally = (done: MethodCall, fn: FunctionNode, data: Record<string, string>): Suggestion[] => {
      const statement = lastStatement(done, fn);
      const body = (fn.body as TSESTree.BlockStatement).body;
      // The try starts after the declaration of what `done()` is called on, to keep it in scope.
      const root = done.receiver.type === AST_NODE_TYPES.Identifier ? variableOf(sourceCode, done.receiver) : undefined;
      const declared = body.findIndex((s) => root?.defs.some((def) => within(def.name, s)));
      const first = body[declared + 1];
      if (statement === undefined || first === undefined || first === statement) return [];
      const before = body.at(-2)!;
      const indent = indentOf(sourceCode, first);
      const inner = sourceCode.text.slice(first.range[0], before.range[1]).replace(/\n(?=[^\n])/g, '\n  ');
      const text = `try {\n${indent}  ${inner}\n${indent}} finally {\n${indent}  ${sourceCode.getText(statement)}\n${indent}}`;
      return [{ messageId: 'tryFinally', data, fix: (fixer) => fixer.replaceTextRange([first.range[0], statement.range[1]], text) }];
    };

    const useFinally = (done: MethodCall, fn: FunctionNode, then: MethodCall, data: Record<string, string>): Suggestion[] => {
      const doneText = sourceCode.getText(done.call);
      // `.then(() => wg.done())` is `.finally(() => wg.done())`.
      if (fn.params.length === 0 && (fn.body === done.call || (fn.body.type === AST_NODE_TYPES.BlockStatement && fn.body.body.length === 1 && lastStatement(done, fn)))) {
        const property = (then.call.callee as TSESTree.MemberExpression).property;
        return [{ messageId: 'useFinally', data, fix: (fixer) => fixer.replaceText(property, 'finally') }];
      }
      const statement = lastStatement(done, fn);
      if (statement === undefined) return [];
      return [
        {
          messageId: 'useFinally',
          data,
          fix: (fixer) => [fixer.removeRange(rangeWithLine(sourceCode, statement)), fixer.insertTextAfter(then.call, `.finally(() => ${doneText})`)],
        },
      ];
    };

    /** `wg.add(1); void (async () => { …; wg.done(); })();` becomes `void wg.go(async () => { … });`. */
    const useGo = (done: MethodCall, fn: FunctionNode, data: Record<string, string>): Suggestion[] => {
      const statement = lastStatement(done, fn);
      const iife = fn.parent;
      if (statement === undefined || fn.params.length > 0 || iife?.type !== AST_NODE_TYPES.CallExpression || iife.callee !== fn || iife.arguments.length > 0) return [];
      const holder = iife.parent?.type === AST_NODE_TYPES.UnaryExpression ? iife.parent.parent : iife.parent;
      if (holder?.type !== AST_NODE_TYPES.ExpressionStatement || statementExpression(holder) !== iife) return [];
      const list = statementList(holder.parent);
      const add = methodCall(statementExpression(list?.[list.indexOf(holder) - 1]));
      if (add?.name !== 'add' || !sameReceiver(sourceCode, add.receiver, done.receiver)) return [];
      const delta = add.call.arguments[0];
      if (delta !== undefined && !(delta.type === AST_NODE_TYPES.Literal && delta.value === 1)) return [];
      const removed = rangeWithLine(sourceCode, statement);
      const fnText = sourceCode.text.slice(fn.range[0], removed[0]) + sourceCode.text.slice(removed[1], fn.range[1]);
      return [
        {
          messageId: 'useGo',
          data,
          fix: (fixer) =>
            fixer.replaceTextRange([add.call.parent!.range[0], holder.range[1]], `void ${sourceCode.getText(done.receiver)}.go(${fnText});`),
        },
      ];
    };

    /** `const t = wg.task(); …; t.done();` becomes `using t = wg.task(); …`. */
    const useUsing = (done: MethodCall, data: Record<string, string>): Suggestion[] => {
      if (done.receiver.type !== AST_NODE_TYPES.Identifier) return [];
      const variable = variableOf(sourceCode, done.receiver);
      const declarator = variable?.defs[0]?.node;
      if (declarator?.type !== AST_NODE_TYPES.VariableDeclarator || variable!.defs.length !== 1) return [];
      const declaration = declarator.parent;
      if (declaration.declarations.length !== 1 || done.call.parent?.type !== AST_NODE_TYPES.ExpressionStatement) return [];
      const statement = done.call.parent;
      const keyword = sourceCode.getFirstToken(declaration)!;
      return [
        {
          messageId: 'useUsing',
          data,
          fix: (fixer) => [fixer.replaceText(keyword, 'using'), fixer.removeRange(rangeWithLine(sourceCode, statement))],
        },
      ];
    };

    return {
      CallExpression(node) {
        const done = methodCall(node);
        if (done?.name !== 'done' || node.arguments.length > 0) return;
        const kind = types.kindOf(done.receiver);
        if (kind !== 'TaskHandle' && (kind === undefined || !COUNTERS.has(kind))) return;
        const fn = functionOf(node);
        if (fn === undefined || goCallOf(types, fn) !== undefined || inFinally(node, fn)) return;
        const callback = callTaking(fn);
        if (callback?.name === 'finally') return;
        let group: TSESTree.Node = done.receiver;
        if (kind === 'TaskHandle') {
          if (done.receiver.type !== AST_NODE_TYPES.Identifier) return;
          const declarator = variableOf(sourceCode, done.receiver)?.defs[0]?.node;
          if (declarator?.type !== AST_NODE_TYPES.VariableDeclarator) return;
          const declaration = declarator.parent;
          if (declaration.kind === 'using' || declaration.kind === 'await using') return;
          const task = methodCall(declarator.init);
          if (task?.name !== 'task') return;
          group = task.receiver;
        }
        // A function that waits for the group itself is not one of its tasks: if it throws, its
        // own wait() is abandoned with it.
        if (callsOn(sourceCode, fn, group, ['wait', 'waitSync']).length > 0) return;
        const data = { done: sourceCode.getText(node), group: receiverText(sourceCode, group) };
        if (callback?.name === 'then' && callback.call.arguments.length === 1 && callback.call.arguments[0] === fn) {
          context.report({ node, messageId: 'afterThen', data, suggest: useFinally(done, fn, callback, data) });
          return;
        }
        const awaited = awaitsOf(fn).find((a) => a.range[1] <= node.range[0] && !caught(a, node));
        if (awaited === undefined) return;
        const suggest = [...(kind === 'TaskHandle' ? useUsing(done, data) : useGo(done, fn, data)), ...tryFinally(done, fn, data)];
        context.report({ node, messageId: 'afterAwait', data, suggest });
      },
    };
  },
});
