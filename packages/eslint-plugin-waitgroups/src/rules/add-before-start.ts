import { AST_NODE_TYPES, type TSESLint, type TSESTree } from '@typescript-eslint/utils';
import {
  COUNTERS,
  addsPositive,
  awaitsOf,
  callsOn,
  createRule,
  functionOf,
  goCallOf,
  indentOf,
  isFunction,
  methodCall,
  rangeWithLine,
  receiverText,
  sameReceiver,
  statementList,
  statementOf,
  typesOf,
  variableOf,
  walk,
  within,
  type FunctionNode,
  type MethodCall,
} from '../util.js';

/** Functions that run later, in another turn of the event loop: a callback of these. */
const DEFERRING_FUNCTIONS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'requestAnimationFrame', 'requestIdleCallback']);
const DEFERRING_METHODS = new Set(['then', 'catch', 'finally', 'addEventListener', 'on', 'once', 'nextTick']);

/** Tells whether `fn` is a callback that runs later: of a timer, a promise, a listener. */
function isDeferred(fn: FunctionNode): boolean {
  const parent = fn.parent;
  if (parent?.type !== AST_NODE_TYPES.CallExpression || !parent.arguments.includes(fn as TSESTree.Expression)) return false;
  const callee = parent.callee;
  if (callee.type === AST_NODE_TYPES.Identifier) return DEFERRING_FUNCTIONS.has(callee.name);
  const call = methodCall(parent);
  return call !== undefined && (DEFERRING_METHODS.has(call.name) || DEFERRING_FUNCTIONS.has(call.name));
}

/** The statement that starts `fn`: the one holding the IIFE or the call that takes the callback. */
function startingStatement(fn: FunctionNode): TSESTree.Statement | undefined {
  if (fn.type === AST_NODE_TYPES.FunctionDeclaration) return undefined;
  return statementOf(fn);
}

/** Tells whether a statement starts a task that calls `done()` on the receiver, or hands it to a worker. */
function startsTask(sourceCode: Readonly<TSESLint.SourceCode>, statement: TSESTree.Node, receiver: TSESTree.Node): boolean {
  if (statement.type === AST_NODE_TYPES.FunctionDeclaration || statement.type === AST_NODE_TYPES.ClassDeclaration) return false;
  let starts = false;
  const root = rootIdentifier(receiver);
  walk(statement, (node) => {
    if (starts) return true;
    // A function stored for later is not started: `const onDone = () => wg.done();`.
    if (node.type === AST_NODE_TYPES.VariableDeclarator && node.init !== null && isFunction(node.init)) return true;
    if (isFunction(node) && node.type !== AST_NODE_TYPES.FunctionDeclaration) {
      if (callsOn(sourceCode, node, receiver, ['done']).length > 0) starts = true;
      return true;
    }
    const isWorker =
      node.type === AST_NODE_TYPES.NewExpression &&
      ((node.callee.type === AST_NODE_TYPES.Identifier && node.callee.name === 'Worker') ||
        (node.callee.type === AST_NODE_TYPES.MemberExpression && methodName(node.callee) === 'Worker'));
    const isPost = node.type === AST_NODE_TYPES.CallExpression && methodCall(node)?.name === 'postMessage';
    if ((isWorker || isPost) && root !== undefined) {
      const args = (node as TSESTree.NewExpression | TSESTree.CallExpression).arguments;
      for (const arg of args) {
        walk(arg, (inner) => {
          if (inner.type === AST_NODE_TYPES.Identifier && sameReceiver(sourceCode, inner, root)) starts = true;
        });
        if (arg.type === AST_NODE_TYPES.Identifier && sameReceiver(sourceCode, arg, root)) starts = true;
      }
    }
    return false;
  });
  return starts;
}

function methodName(member: TSESTree.MemberExpression): string | undefined {
  return member.property.type === AST_NODE_TYPES.Identifier ? member.property.name : undefined;
}

function rootIdentifier(node: TSESTree.Node): TSESTree.Identifier | undefined {
  let n = node;
  while (n.type === AST_NODE_TYPES.MemberExpression) n = n.object;
  return n.type === AST_NODE_TYPES.Identifier ? n : undefined;
}

/** Tells whether the statement just before `statement` is an `add`/`task()` on the receiver. */
function countedJustBefore(sourceCode: Readonly<TSESLint.SourceCode>, statement: TSESTree.Node, receiver: TSESTree.Node): boolean {
  const list = statementList(statement.parent);
  const previous = list?.[list.indexOf(statement) - 1];
  if (previous === undefined) return false;
  return callsOn(sourceCode, previous, receiver, ['add', 'task']).length > 0;
}

export default createRule({
  name: 'add-before-start',
  meta: {
    type: 'problem',
    docs: {
      description: 'Require `add()` before the task it counts has started or yielded',
      recommended: true,
      requiresTypeChecking: true,
    },
    hasSuggestions: true,
    messages: {
      afterYield:
        '`{{group}}.{{method}}()` runs only after this task has yielded ({{why}}): `{{group}}.wait()` may already have returned. Count the task before starting it, or use `{{group}}.go()`.',
      afterStart:
        '`{{group}}.add()` comes after the statement that started the task it counts: that task may call `done()` first, and `{{group}}.wait()` may return early. Call `add()` before starting it.',
      moveUp: 'Move `{{group}}.{{method}}()` before the statement that starts the task.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;

    const moveBefore = (statement: TSESTree.Node, target: TSESTree.Node) => (fixer: TSESLint.RuleFixer) => [
      fixer.removeRange(rangeWithLine(sourceCode, statement)),
      fixer.insertTextBefore(target, `${sourceCode.getText(statement)}\n${indentOf(sourceCode, target)}`),
    ];

    const lateCount = (call: MethodCall): void => {
      const fn = functionOf(call.call);
      if (fn === undefined || goCallOf(types, fn) !== undefined) return;
      // Code that counts its own task: it calls done() itself (for task(), the handle does).
      if (call.name === 'add' && callsOn(sourceCode, fn, call.receiver, ['done']).length === 0) return;
      // A function that waits for the group is its main task, not one of the tasks: it may count
      // whenever it likes before its own wait().
      if (callsOn(sourceCode, fn, call.receiver, ['wait', 'waitSync']).length > 0) return;
      const awaited = awaitsOf(fn).find((node) => node.range[1] <= call.call.range[0]);
      const deferred = isDeferred(fn);
      if (awaited === undefined && !deferred) return;
      const start = startingStatement(fn);
      if (start !== undefined && countedJustBefore(sourceCode, start, call.receiver)) return;
      const statement = statementOf(call.call);
      const canMove =
        start !== undefined &&
        statement?.type === AST_NODE_TYPES.ExpressionStatement &&
        statement.parent === fn.body &&
        declaredOutside(call.receiver, fn);
      const why = deferred ? `it is a callback of \`${calleeText(fn)}\`` : 'after an `await`';
      const data = { group: receiverText(sourceCode, call.receiver), method: call.name, why };
      context.report({
        node: call.call,
        messageId: 'afterYield',
        data,
        suggest: canMove ? [{ messageId: 'moveUp', data, fix: moveBefore(statement, start) }] : [],
      });
    };

    /** Tells whether the receiver is still in scope before `fn` starts: declared outside it. */
    const declaredOutside = (receiver: TSESTree.Node, fn: FunctionNode): boolean => {
      let root = receiver;
      while (root.type === AST_NODE_TYPES.MemberExpression) root = root.object;
      // `this` in an arrow is the enclosing function's.
      if (root.type === AST_NODE_TYPES.ThisExpression) return fn.type === AST_NODE_TYPES.ArrowFunctionExpression;
      if (root.type !== AST_NODE_TYPES.Identifier) return false;
      const variable = variableOf(sourceCode, root);
      return variable === undefined || variable.defs.every((def) => !within(def.name, fn));
    };

    const calleeText = (fn: FunctionNode): string => {
      const parent = fn.parent as TSESTree.CallExpression;
      const call = methodCall(parent);
      return call !== undefined ? `.${call.name}()` : `${sourceCode.getText(parent.callee)}()`;
    };

    const addAfterStart = (call: MethodCall): boolean => {
      const statement = call.call.parent;
      if (statement?.type !== AST_NODE_TYPES.ExpressionStatement) return false;
      const list = statementList(statement.parent);
      if (list === undefined) return false;
      const index = list.indexOf(statement);
      for (let i = index - 1; i >= 0; i--) {
        const previous = list[i]!;
        // An add for this task already came before it: this add counts another one.
        if (callsOn(sourceCode, previous, call.receiver, ['add', 'task']).length > 0) return false;
        if (!startsTask(sourceCode, previous, call.receiver)) continue;
        const data = { group: receiverText(sourceCode, call.receiver), method: call.name };
        const declared = previous.type === AST_NODE_TYPES.VariableDeclaration ? previous.declarations.map((d) => sourceCode.getText(d.id)) : [];
        const usesDeclared = call.call.arguments.some((arg) => declared.some((name) => new RegExp(`\\b${name}\\b`).test(sourceCode.getText(arg))));
        context.report({
          node: call.call,
          messageId: 'afterStart',
          data,
          suggest: usesDeclared ? [] : [{ messageId: 'moveUp', data, fix: moveBefore(statement, previous) }],
        });
        return true;
      }
      return false;
    };

    return {
      CallExpression(node) {
        const call = methodCall(node);
        if (call === undefined || (call.name !== 'add' && call.name !== 'task')) return;
        if (call.name === 'add' && !addsPositive(call)) return;
        const kind = types.kindOf(call.receiver);
        if (kind === undefined || !COUNTERS.has(kind)) return;
        if (call.name === 'add' && addAfterStart(call)) return;
        lateCount(call);
      },
    };
  },
});
