// The drift guard between verify/shared-wait-group.pml and the source it models.
//
// - REGIONS lists the pieces of src/ that the model transcribes (functions, methods, classes,
//   constants). verify/modelled-source.sha256 records the sha256 of each; when a region's text
//   changes, test/verify.test.ts fails until someone has re-read the model against the new code
//   and recorded the new hashes (`node verify/run.mjs --update-hashes`).
// - The model's header maps each of its steps to a source line ("MAP [tag] file:line | text");
//   checkMap() checks that every such line still holds that text, so a shifted or edited line is
//   caught even where the hashed regions did not change.
// Plain Node ESM, no dependencies.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODEL = 'verify/shared-wait-group.pml';
export const HASH_FILE = 'verify/modelled-source.sha256';

/** [file, start]: a region starts at the line whose trimmed text starts with `start` and ends at
 * the first later line holding only `}` at the start line's indentation (or at the start line
 * itself if that ends with `;`). */
export const REGIONS = [
  ['src/shared-wait-group.ts', 'add(delta: number = 1): void {'],
  ['src/shared-wait-group.ts', '#addAny(delta: number): void {'],
  ['src/shared-wait-group.ts', 'done(): void {'],
  ['src/shared-wait-group.ts', 'wait(options?: WaitOptions): Promise<void> {'],
  ['src/shared-wait-group.ts', '#waitAsync(s: bigint,'],
  ['src/shared-wait-group.ts', 'waitSync(options?: WaitSyncOptions): void {'],
  ['src/shared-wait-group.ts', '#waitSync(s: bigint, timeout: number | undefined): void {'],
  ['src/shared-wait-group.ts', 'this.#memory = {'],
  ['src/internal/shared-protocol.ts', 'export function afterAdd('],
  ['src/internal/shared-protocol.ts', 'export function undo('],
  ['src/internal/shared-protocol.ts', 'export function release('],
  ['src/internal/shared-protocol.ts', 'export function register('],
  ['src/internal/shared-protocol.ts', 'export function withdraw('],
  ['src/internal/shared-state.ts', 'export const GENERATION_BITS ='],
  ['src/internal/shared-state.ts', 'export const COUNTER_ONE ='],
  ['src/internal/shared-state.ts', 'export const COUNTER_TWO ='],
  ['src/internal/shared-state.ts', 'export const COUNTER_MINUS_ONE ='],
  ['src/internal/shared-state.ts', 'export const WAITER_ONE ='],
  ['src/internal/shared-state.ts', 'export const COUNTER_ONE_NO_WAITERS ='],
  ['src/internal/shared-state.ts', 'export const ADD_ONE_LIMIT ='],
  ['src/internal/shared-state.ts', 'const GENERATION_MASK ='],
  ['src/internal/shared-state.ts', 'const LAST_GENERATION ='],
  ['src/internal/shared-state.ts', 'export function counterIsZero('],
  ['src/internal/shared-state.ts', 'export function isIdle('],
  ['src/internal/shared-state.ts', 'export function counterOf('],
  ['src/internal/shared-state.ts', 'export function waitersOf('],
  ['src/internal/shared-state.ts', 'export function generationOf('],
  ['src/internal/shared-state.ts', 'export function releasedState('],
  ['src/internal/shared-state.ts', 'export function isReleased('],
  ['src/internal/shared-waiters.ts', 'export class AsyncParking implements WaiterOwner {'],
  ['src/internal/waiter.ts', 'export class CancellableWaiter {'],
];

/** The text of one region, or throws if it cannot be found. */
export function extractRegion(text, start, file = '?') {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const first = lines.findIndex((line) => line.trimStart().startsWith(start));
  if (first === -1) throw new Error(`${file}: the modelled region starting "${start}" is gone`);
  if (lines[first].trimEnd().endsWith(';')) return lines[first];
  const indent = lines[first].slice(0, lines[first].length - lines[first].trimStart().length);
  for (let i = first + 1; i < lines.length; i++) {
    if (lines[i] === `${indent}}`) return lines.slice(first, i + 1).join('\n');
  }
  throw new Error(`${file}: the modelled region starting "${start}" has no closing brace`);
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** [{ file, start, hash }] for the source tree at `root`. */
export function computeHashes(root) {
  const cache = new Map();
  return REGIONS.map(([file, start]) => {
    if (!cache.has(file)) cache.set(file, readFileSync(join(root, file), 'utf8'));
    return { file, start, hash: sha256(extractRegion(cache.get(file), start, file)) };
  });
}

function format(entries) {
  const lines = [
    '# sha256 of each source region that verify/shared-wait-group.pml models (see verify/modelled-source.mjs).',
    '# test/verify.test.ts fails when one changes: re-read the model against the new code, update it,',
    '# run `npm run verify`, then record the new hashes with `node verify/run.mjs --update-hashes`.',
  ];
  for (const { file, start, hash } of entries) lines.push(`${hash}  ${file}  ${start}`);
  return `${lines.join('\n')}\n`;
}

/** The recorded hashes: [{ file, start, hash }]. */
export function readRecorded(root) {
  const text = readFileSync(join(root, HASH_FILE), 'utf8');
  const entries = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) {2}(\S+) {2}(.+)$/.exec(line);
    if (match === null) throw new Error(`${HASH_FILE}: unreadable line: ${line}`);
    entries.push({ hash: match[1], file: match[2], start: match[3] });
  }
  return entries;
}

export function writeRecorded(root) {
  writeFileSync(join(root, HASH_FILE), format(computeHashes(root)));
}

/** Problems (strings) between the recorded hashes and the source; [] if none. */
export function checkHashes(root) {
  const problems = [];
  let recorded;
  try {
    recorded = readRecorded(root);
  } catch (error) {
    return [`cannot read ${HASH_FILE}: ${error.message}`];
  }
  let current;
  try {
    current = computeHashes(root);
  } catch (error) {
    return [error.message];
  }
  const key = (e) => `${e.file}  ${e.start}`;
  const old = new Map(recorded.map((e) => [key(e), e.hash]));
  for (const entry of current) {
    const was = old.get(key(entry));
    if (was === undefined) problems.push(`${entry.file}: region "${entry.start}" has no recorded hash`);
    else if (was !== entry.hash) problems.push(`${entry.file}: region "${entry.start}" changed since the model was checked against it`);
    old.delete(key(entry));
  }
  for (const stale of old.keys()) problems.push(`${HASH_FILE}: recorded region no longer modelled: ${stale}`);
  return problems;
}

/** The model's step map: [{ tag, file, line, text }]. */
export function readMap(root) {
  const model = readFileSync(join(root, MODEL), 'utf8');
  const entries = [];
  for (const line of model.split('\n')) {
    const match = /^ \* MAP (\[\w+\]) (\S+):(\d+) \| (.+)$/.exec(line);
    if (match !== null) entries.push({ tag: match[1], file: match[2], line: Number(match[3]), text: match[4].trim() });
  }
  return entries;
}

/** Problems (strings) with the model's step map; [] if none. Each MAP line must point at a
 * source line holding its text, and each tag must be used in the model's body. */
export function checkMap(root) {
  const problems = [];
  const entries = readMap(root);
  if (entries.length === 0) return [`${MODEL}: no MAP lines found in the header`];
  const model = readFileSync(join(root, MODEL), 'utf8');
  const body = model.slice(model.indexOf('*/'));
  for (const tag of new Set(entries.map((e) => e.tag))) {
    if (!body.includes(tag)) problems.push(`${tag} is mapped in the header but no step of the model is tagged with it`);
  }
  const files = new Map();
  for (const { tag, file, line, text } of entries) {
    if (!files.has(file)) {
      try {
        files.set(file, readFileSync(join(root, file), 'utf8').replace(/\r\n/g, '\n').split('\n'));
      } catch {
        problems.push(`${tag} ${file}: no such file`);
        files.set(file, []);
      }
    }
    const actual = files.get(file)[line - 1];
    if (actual === undefined || !actual.includes(text)) {
      problems.push(`${tag} ${file}:${line} should contain "${text}" but is "${(actual ?? '<past the end>').trim()}"`);
    }
  }
  return problems;
}
