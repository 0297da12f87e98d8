// What every rule shares: the rule factory, recognising our types, and reading the syntax
// around a call (its receiver, its function, the statement that holds it).
import { createRequire } from 'node:module';
import path from 'node:path';
import { typeMatchesSomeSpecifier } from '@typescript-eslint/type-utils';
import { AST_NODE_TYPES, ESLintUtils, type ParserServicesWithTypeInformation, type TSESLint, type TSESTree } from '@typescript-eslint/utils';
import ts from 'typescript';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** The package's version, for `meta.version` and the docs links. */
export const VERSION = version;

/** Every rule is made here; its docs page ships in the package (`files: ["docs"]`). */
export const createRule = ESLintUtils.RuleCreator<{ recommended: boolean; requiresTypeChecking: true }>(
  (name) => `https://unpkg.com/eslint-plugin-waitgroups@${VERSION}/docs/rules/${name}.md`,
);

/** The classes and the interface of `waitgroups` that the rules know. */
export type Kind = 'WaitGroup' | 'SharedWaitGroup' | 'WaitGroupLike' | 'Group' | 'TaskHandle';
const KINDS: readonly Kind[] = ['WaitGroup', 'SharedWaitGroup', 'WaitGroupLike', 'Group', 'TaskHandle'];

/** The kinds with Go's counter: `add`, `done`, `wait`, `go`, `task`. */
export const COUNTERS: ReadonlySet<Kind> = new Set(['WaitGroup', 'SharedWaitGroup', 'WaitGroupLike']);
/** The kinds whose tasks `go()` starts and `wait()` waits for. */
export const GROUPS: ReadonlySet<Kind> = new Set(['WaitGroup', 'SharedWaitGroup', 'WaitGroupLike', 'Group']);

/**
 * The plugin's settings, `settings: { waitgroups: { sources } }`: directories, relative to the
 * TypeScript project's directory, whose declarations count as the package's own. Only the
 * package's own repository needs it, because its sources import `../src` or reach `dist/`
 * through a self-reference, where `{ from: 'package' }` cannot see a package.
 */
interface Settings {
  sources?: string[];
}

/** What a rule needs to look at types. */
export interface Types {
  kindOf(node: TSESTree.Node): Kind | undefined;
  kindOfType(type: ts.Type): Kind | undefined;
  checker: ts.TypeChecker;
  services: ParserServicesWithTypeInformation;
}

/** Recognises our types in the file being linted; every rule requires type information. */
export function typesOf(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): Types {
  const services = ESLintUtils.getParserServices(context);
  const program = services.program;
  const checker = program.getTypeChecker();
  const settings = (context.settings['waitgroups'] ?? {}) as Settings;
  const sources = (settings.sources ?? []).map((dir) => path.resolve(program.getCurrentDirectory(), dir) + path.sep);
  const cache = new Map<ts.Type, Kind | undefined>();

  const single = (type: ts.Type): Kind | undefined => {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    const name = symbol?.getName() as Kind | undefined;
    if (name === undefined || !KINDS.includes(name)) return undefined;
    if (typeMatchesSomeSpecifier(type, [{ from: 'package', package: 'waitgroups', name }], program)) return name;
    const files = (symbol?.getDeclarations() ?? []).map((declaration) => path.resolve(declaration.getSourceFile().fileName));
    return files.some((file) => sources.some((dir) => file.startsWith(dir))) ? name : undefined;
  };

  const kindOfType = (type: ts.Type): Kind | undefined => {
    if (cache.has(type)) return cache.get(type);
    let kind: Kind | undefined;
    const parts = type.isUnion() ? type.types.filter((part) => !(part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null))) : [type];
    const kinds = parts.map(single);
    if (kinds.length > 0 && kinds.every((k) => k !== undefined)) {
      if (kinds.every((k) => k === kinds[0])) kind = kinds[0];
      else if (kinds.every((k) => COUNTERS.has(k))) kind = 'WaitGroupLike';
    }
    cache.set(type, kind);
    return kind;
  };

  return {
    checker,
    services,
    kindOfType,
    kindOf: (node) => kindOfType(services.getTypeAtLocation(node)),
  };
}

/** A method call `receiver.name(...)` (also `receiver?.name(...)`). */
export interface MethodCall {
  call: TSESTree.CallExpression;
  receiver: TSESTree.Expression;
  name: string;
}

/** The call as `receiver.name(...)`, or undefined. */
export function methodCall(node: TSESTree.Node | null | undefined): MethodCall | undefined {
  if (node?.type === AST_NODE_TYPES.ChainExpression) node = node.expression;
  if (node?.type !== AST_NODE_TYPES.CallExpression) return undefined;
  const callee = node.callee;
  if (callee.type !== AST_NODE_TYPES.MemberExpression) return undefined;
  const name = propertyName(callee);
  return name === undefined ? undefined : { call: node, receiver: callee.object, name };
}

/** The name of `a.b` or `a['b']`, or undefined if it is computed. */
export function propertyName(member: TSESTree.MemberExpression): string | undefined {
  if (!member.computed && member.property.type === AST_NODE_TYPES.Identifier) return member.property.name;
  if (member.property.type === AST_NODE_TYPES.Literal && typeof member.property.value === 'string') return member.property.value;
  return undefined;
}

/** Tells whether two receivers are the same group: the same variable, or the same text. */
export function sameReceiver(sourceCode: Readonly<TSESLint.SourceCode>, a: TSESTree.Node, b: TSESTree.Node): boolean {
  if (a.type === AST_NODE_TYPES.Identifier && b.type === AST_NODE_TYPES.Identifier) {
    const va = variableOf(sourceCode, a);
    const vb = variableOf(sourceCode, b);
    return va !== undefined ? va === vb : a.name === b.name;
  }
  return receiverText(sourceCode, a) === receiverText(sourceCode, b);
}

/** The receiver's text without spaces and optional chaining, for messages and comparing. */
export function receiverText(sourceCode: Readonly<TSESLint.SourceCode>, node: TSESTree.Node): string {
  return sourceCode.getText(node).replace(/\s+/g, '').replace(/\?\./g, '.');
}

/** The variable an identifier refers to, if the scope analysis resolved it. */
export function variableOf(sourceCode: Readonly<TSESLint.SourceCode>, id: TSESTree.Identifier): TSESLint.Scope.Variable | undefined {
  let scope: TSESLint.Scope.Scope | null = sourceCode.getScope(id);
  while (scope !== null) {
    const variable = scope.set.get(id.name);
    if (variable !== undefined) return variable;
    scope = scope.upper;
  }
  return undefined;
}

export type FunctionNode = TSESTree.ArrowFunctionExpression | TSESTree.FunctionExpression | TSESTree.FunctionDeclaration;

export function isFunction(node: TSESTree.Node): node is FunctionNode {
  return (
    node.type === AST_NODE_TYPES.ArrowFunctionExpression ||
    node.type === AST_NODE_TYPES.FunctionExpression ||
    node.type === AST_NODE_TYPES.FunctionDeclaration
  );
}

/** The nearest function around a node, or undefined at the top level. */
export function functionOf(node: TSESTree.Node): FunctionNode | undefined {
  for (let n = node.parent; n != null; n = n.parent) if (isFunction(n)) return n;
  return undefined;
}

/** The call that `fn` is passed to as its first argument, or undefined. */
export function callTaking(fn: TSESTree.Node): MethodCall | undefined {
  const parent = fn.parent;
  if (parent?.type !== AST_NODE_TYPES.CallExpression || parent.arguments[0] !== fn) return undefined;
  return methodCall(parent);
}

/** If `fn` is the task of `G.go(fn)`/`G.tryGo(fn)` for a group G, that call. */
export function goCallOf(types: Types, fn: TSESTree.Node): MethodCall | undefined {
  const call = callTaking(fn);
  if (call === undefined || (call.name !== 'go' && call.name !== 'tryGo')) return undefined;
  const kind = types.kindOf(call.receiver);
  return kind !== undefined && GROUPS.has(kind) ? call : undefined;
}

/** Tells whether `node` lies inside `outer` (or is it). */
export function within(node: TSESTree.Node, outer: TSESTree.Node): boolean {
  return node.range[0] >= outer.range[0] && node.range[1] <= outer.range[1];
}

/** Calls every node under `root` (not `root` itself); `skip` returns true to not descend. */
export function walk(root: TSESTree.Node, visit: (node: TSESTree.Node) => boolean | void): void {
  const stack: TSESTree.Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const key of Object.keys(node)) {
      if (key === 'parent') continue;
      const value = (node as unknown as Record<string, unknown>)[key];
      for (const child of Array.isArray(value) ? value : [value]) {
        if (child !== null && typeof child === 'object' && typeof (child as TSESTree.Node).type === 'string') {
          if (visit(child as TSESTree.Node) !== true) stack.push(child as TSESTree.Node);
        }
      }
    }
  }
}

/** The `await` expressions (and `for await`) of a function itself, not of functions inside. */
export function awaitsOf(fn: TSESTree.Node): TSESTree.Node[] {
  const found: TSESTree.Node[] = [];
  walk(fn, (node) => {
    if (isFunction(node)) return true;
    if (node.type === AST_NODE_TYPES.AwaitExpression || (node.type === AST_NODE_TYPES.ForOfStatement && node.await)) found.push(node);
    return false;
  });
  return found;
}

/** The calls `R.name()` under `root` (nested functions included) whose receiver is `receiver`. */
export function callsOn(
  sourceCode: Readonly<TSESLint.SourceCode>,
  root: TSESTree.Node,
  receiver: TSESTree.Node,
  names: readonly string[],
): MethodCall[] {
  const found: MethodCall[] = [];
  walk(root, (node) => {
    const call = node.type === AST_NODE_TYPES.CallExpression ? methodCall(node) : undefined;
    if (call !== undefined && names.includes(call.name) && sameReceiver(sourceCode, call.receiver, receiver)) found.push(call);
  });
  return found;
}

/** The statement that holds an expression: its nearest ancestor that is a statement in a list. */
export function statementOf(node: TSESTree.Node): TSESTree.Statement | undefined {
  for (let n: TSESTree.Node | undefined = node; n?.parent != null; n = n.parent) {
    if (statementList(n.parent) !== undefined) return n as TSESTree.Statement;
  }
  return undefined;
}

/** The statements of a block, a program or a switch case, or undefined for other nodes. */
export function statementList(node: TSESTree.Node | undefined): readonly TSESTree.Node[] | undefined {
  switch (node?.type) {
    case AST_NODE_TYPES.BlockStatement:
    case AST_NODE_TYPES.Program:
    case AST_NODE_TYPES.StaticBlock:
      return node.body;
    case AST_NODE_TYPES.SwitchCase:
      return node.consequent;
    default:
      return undefined;
  }
}

/** The statement's expression without `void`, when it is `expr;` or `void expr;`. */
export function statementExpression(statement: TSESTree.Node | undefined): TSESTree.Expression | undefined {
  if (statement?.type !== AST_NODE_TYPES.ExpressionStatement) return undefined;
  const expression = statement.expression;
  return expression.type === AST_NODE_TYPES.UnaryExpression && expression.operator === 'void' ? expression.argument : expression;
}

/** The range of a statement with the blank space before it, to remove it with its line. */
export function rangeWithLine(sourceCode: Readonly<TSESLint.SourceCode>, node: TSESTree.Node): [number, number] {
  const text = sourceCode.text;
  let start = node.range[0];
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  if (start > 0 && text[start - 1] === '\n') start--;
  else {
    // Not at the start of a line: keep the line, remove only the statement and the spaces after it.
    let end = node.range[1];
    while (text[end] === ' ') end++;
    return [node.range[0], end];
  }
  return [start, node.range[1]];
}

/** The indentation of the line a node starts on. */
export function indentOf(sourceCode: Readonly<TSESLint.SourceCode>, node: TSESTree.Node): string {
  const line = sourceCode.lines[node.loc.start.line - 1] ?? '';
  return /^\s*/.exec(line)![0];
}

/** A positive `add` delta: no argument, a positive number, or anything not a literal <= 0. */
export function addsPositive(call: MethodCall): boolean {
  const delta = call.call.arguments[0];
  if (delta === undefined) return true;
  if (delta.type === AST_NODE_TYPES.Literal) return typeof delta.value === 'number' && delta.value > 0;
  return !(delta.type === AST_NODE_TYPES.UnaryExpression && delta.operator === '-');
}
