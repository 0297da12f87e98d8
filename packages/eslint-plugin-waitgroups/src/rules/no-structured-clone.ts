import { AST_NODE_TYPES, type TSESTree } from '@typescript-eslint/utils';
import ts from 'typescript';
import { createRule, methodCall, propertyName, typesOf, type Types } from '../util.js';

/** The kinds that a structured clone turns into `{}`: their state is in `#private` fields. A
 * `SharedWaitGroup` clones into its own `buffer` and `byteOffset`, the same shared memory. */
const NOT_CLONEABLE = new Set(['WaitGroup', 'Group', 'TaskHandle']);
const MAX_DEPTH = 8;

/** Where in `type` a group sits, as a path like `.jobs[].group` and the group's class; like vet's lockPath. */
function groupPath(types: Types, type: ts.Type, node: ts.Node, seen: Set<ts.Type>, depth: number): { path: string; kind: string } | undefined {
  if (seen.has(type) || depth > MAX_DEPTH) return undefined;
  seen.add(type);
  const { checker } = types;
  const kind = types.kindOfType(type);
  if (kind !== undefined) return NOT_CLONEABLE.has(kind) ? { path: '', kind } : undefined;
  if (type.isUnion() || type.isIntersection()) {
    for (const part of type.types) {
      const found = groupPath(types, part, node, seen, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!(type.flags & ts.TypeFlags.Object) || type.getCallSignatures().length > 0) return undefined;
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    for (const element of checker.getTypeArguments(type as ts.TypeReference)) {
      const found = groupPath(types, element, node, seen, depth + 1);
      if (found !== undefined) return { path: `[]${found.path}`, kind: found.kind };
    }
    return undefined;
  }
  const name = type.getSymbol()?.getName();
  if (name === 'Map' || name === 'Set' || name === 'ReadonlyMap' || name === 'ReadonlySet') {
    for (const argument of checker.getTypeArguments(type as ts.TypeReference)) {
      const found = groupPath(types, argument, node, seen, depth + 1);
      if (found !== undefined) return { path: `[]${found.path}`, kind: found.kind };
    }
    return undefined;
  }
  for (const property of checker.getPropertiesOfType(type)) {
    const found = groupPath(types, checker.getTypeOfSymbolAtLocation(property, node), node, seen, depth + 1);
    if (found !== undefined) return { path: `.${property.getName()}${found.path}`, kind: found.kind };
  }
  return undefined;
}

export default createRule({
  name: 'no-structured-clone',
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow sending a `WaitGroup`, `Group` or `TaskHandle` through a structured clone',
      recommended: true,
      requiresTypeChecking: true,
    },
    messages: {
      cloned:
        '{{what}} is copied by {{how}}: the copy of a `{{kind}}` is an empty object with no tie to the original. Share a `SharedWaitGroup` (its `buffer` and `byteOffset`) instead.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const types = typesOf(context);
    const sourceCode = context.sourceCode;

    const check = (value: TSESTree.Node | undefined, how: string, type?: ts.Type, label?: string): void => {
      if (value === undefined || value.type === AST_NODE_TYPES.SpreadElement) return;
      const tsNode = types.services.esTreeNodeToTSNodeMap.get(value);
      const found = groupPath(types, type ?? types.services.getTypeAtLocation(value), tsNode, new Set(), 0);
      if (found === undefined) return;
      // `wg`, `state.jobs[].handle`, or the path inside an expression: `group` in this value.
      const text = label ?? sourceCode.getText(value);
      const name = /^[\w$.]{1,40}$/.test(text) ? text : undefined;
      const what = name !== undefined ? `\`${name}${found.path}\`` : found.path === '' ? 'this value' : `\`${found.path.replace(/^\./, '')}\` in this value`;
      context.report({ node: value, messageId: 'cloned', data: { what, how, kind: found.kind } });
    };

    return {
      CallExpression(node) {
        if (node.callee.type === AST_NODE_TYPES.Identifier && node.callee.name === 'structuredClone') {
          check(node.arguments[0], '`structuredClone()`');
          return;
        }
        if (methodCall(node)?.name === 'postMessage') check(node.arguments[0], '`postMessage()`');
      },
      NewExpression(node) {
        const callee = node.callee;
        const name = callee.type === AST_NODE_TYPES.Identifier ? callee.name : callee.type === AST_NODE_TYPES.MemberExpression ? propertyName(callee) : undefined;
        if (name !== 'Worker') return;
        const options = node.arguments[1];
        if (options === undefined) return;
        if (options.type === AST_NODE_TYPES.ObjectExpression) {
          for (const property of options.properties) {
            if (property.type === AST_NODE_TYPES.Property && !property.computed && property.key.type === AST_NODE_TYPES.Identifier && property.key.name === 'workerData') {
              check(property.value, '`workerData`');
            }
          }
          return;
        }
        const workerData = types.services.getTypeAtLocation(options).getProperty('workerData');
        if (workerData !== undefined) {
          check(options, '`workerData`', types.checker.getTypeOfSymbolAtLocation(workerData, types.services.esTreeNodeToTSNodeMap.get(options)), `${sourceCode.getText(options)}.workerData`);
        }
      },
    };
  },
});
