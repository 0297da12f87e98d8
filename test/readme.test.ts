// The READMEs: README.md (English, the npm page) and README.zh-CN.md (Chinese) have the same
// sections, at the same levels and in the same order, and the same code blocks in each
// section, so that neither drifts from the other unnoticed. Each heading of the Chinese README
// names the English heading it translates on the line above it, `<!-- section: Quick start -->`,
// so that a section added to one README is reported by name. And every link and image of both
// works on the npm page, where only README.md is shipped: links into the repository are
// absolute, under the repository of package.json, to files and folders that exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const READMES = { en: 'README.md', zh: 'README.zh-CN.md' } as const;

interface Heading {
  level: number;
  text: string;
  line: number;
  /** The English heading this one translates: its own text in README.md, its marker in README.zh-CN.md. */
  source: string | undefined;
}
interface Block {
  info: string;
  body: string[];
  line: number;
  /** Index of the heading the block is under (-1: before the first). */
  section: number;
}
interface Parsed {
  file: string;
  headings: Heading[];
  blocks: Block[];
  /** The lines outside code blocks, with their numbers, for links. */
  prose: { text: string; line: number }[];
}

function parse(file: string, marked: boolean): Parsed {
  const parsed: Parsed = { file, headings: [], blocks: [], prose: [] };
  let open: Block | undefined;
  let marker: string | undefined;
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const line = index + 1;
      const fence = /^(`{3,})(.*)$/.exec(text);
      if (open !== undefined) {
        if (fence !== null && fence[2]!.trim() === '') {
          parsed.blocks.push(open);
          open = undefined;
        } else open.body.push(text);
        return;
      }
      if (fence !== null) {
        open = { info: fence[2]!.trim(), body: [], line, section: parsed.headings.length - 1 };
        return;
      }
      const heading = /^(#{1,6}) (.+)$/.exec(text);
      if (heading !== null) {
        const own = heading[2]!.trim();
        parsed.headings.push({ level: heading[1]!.length, text: own, line, source: marked ? marker : own });
      }
      marker = /^<!-- section: (.+) -->$/.exec(text)?.[1];
      parsed.prose.push({ text, line });
    });
  assert.equal(open, undefined, `${file}: the code block opened at line ${open?.line} is never closed`);
  return parsed;
}

const show = (heading: Heading | undefined) => (heading === undefined ? '(before the first heading)' : `"${'#'.repeat(heading.level)} ${heading.text}" (line ${heading.line})`);

describe('README.md and README.zh-CN.md are in step', () => {
  const en = parse(READMES.en, false);
  const zh = parse(READMES.zh, true);
  /** For each English heading, the index of the Chinese heading that translates it, or -1. */
  const counterpart = en.headings.map((heading) => zh.headings.findIndex((other) => other.source === heading.text));

  test('the same sections, in the same order, at the same levels', () => {
    const problems: string[] = [];
    en.headings.forEach((heading, index) => {
      const at = counterpart[index]!;
      const other = zh.headings[at];
      if (other === undefined) {
        problems.push(
          `README.md section ${show(heading)} has no counterpart in README.zh-CN.md: translate it there, ` +
            `with the line <!-- section: ${heading.text} --> right above its heading`,
        );
        return;
      }
      if (other.level !== heading.level) problems.push(`README.md ${show(heading)} is level ${heading.level}, its translation ${show(other)} is level ${other.level}`);
      const previous = counterpart.slice(0, index).filter((found) => found !== -1).at(-1);
      if (previous !== undefined && at < previous) problems.push(`README.zh-CN.md ${show(other)} comes before ${show(zh.headings[previous])}, in README.md it comes after`);
    });
    for (const [index, heading] of zh.headings.entries()) {
      if (counterpart.includes(index)) continue;
      problems.push(
        heading.source === undefined
          ? `README.zh-CN.md ${show(heading)} has no <!-- section: English heading --> line right above it`
          : `README.zh-CN.md ${show(heading)} translates "${heading.source}", which is no heading of README.md (renamed or removed there?)`,
      );
    }
    assert.deepEqual(problems, [], `README.md has ${en.headings.length} sections, README.zh-CN.md ${zh.headings.length}:\n  ${problems.join('\n  ')}`);
  });

  test('the same code blocks in each section, verbatim', () => {
    const problems: string[] = [];
    const blocksOf = (parsed: Parsed, section: number) => parsed.blocks.filter((block) => block.section === section);
    const sections: [number, number, string][] = [[-1, -1, '(before the first heading)'], ...en.headings.map((heading, index) => [index, counterpart[index]!, show(heading)] as [number, number, string])];
    for (const [mine, theirs, name] of sections) {
      if (mine !== -1 && theirs === -1) continue; // reported by the sections test
      const [a, b] = [blocksOf(en, mine), blocksOf(zh, theirs)];
      if (a.length !== b.length) {
        problems.push(`section ${name}: ${a.length} code block(s) in README.md (lines ${a.map((block) => block.line).join(', ') || '-'}), ${b.length} in README.zh-CN.md (lines ${b.map((block) => block.line).join(', ') || '-'})`);
      }
      for (let index = 0; index < Math.min(a.length, b.length); index++) {
        const [x, y] = [a[index]!, b[index]!];
        const block = `section ${name}, code block ${index + 1} (README.md line ${x.line}, README.zh-CN.md line ${y.line})`;
        if (x.info !== y.info) problems.push(`${block}: fenced as \`\`\`${x.info} in README.md, \`\`\`${y.info} in README.zh-CN.md`);
        const differs = x.body.findIndex((text, line) => text !== y.body[line]);
        const at = differs === -1 && x.body.length !== y.body.length ? Math.min(x.body.length, y.body.length) : differs;
        if (at !== -1) {
          problems.push(`${block}: line ${at + 1} of the block differs:\n      README.md:       ${x.body[at] ?? '(block ends)'}\n      README.zh-CN.md: ${y.body[at] ?? '(block ends)'}`);
        }
      }
    }
    assert.deepEqual(problems, [], `code blocks are copied verbatim (comments included) between the READMEs:\n  ${problems.join('\n  ')}`);
  });

  test('each links to the other at its top', () => {
    const repo = repository();
    const top = (parsed: Parsed) => parsed.prose.slice(0, 5).map((line) => line.text).join('\n');
    assert.ok(top(en).includes(`(${repo}/blob/main/${READMES.zh})`), `README.md links ${READMES.zh} in its first lines`);
    assert.ok(top(zh).includes(`(${repo}/blob/main/${READMES.en})`), `README.zh-CN.md links ${READMES.en} in its first lines`);
  });
});

/** The repository's web address, from package.json (a placeholder until the repository is public). */
function repository(): string {
  const { repository: repo } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository: { url: string } };
  return repo.url.replace(/^git\+/, '').replace(/\.git$/, '');
}

function tracked(): Set<string> | undefined {
  const git = spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' });
  return git.status === 0 ? new Set(git.stdout.split('\n').filter(Boolean)) : undefined;
}

describe('links and images work on the npm page', () => {
  const repo = repository();
  const raw = repo.replace('https://github.com/', 'https://raw.githubusercontent.com/') + '/main/';
  const files = tracked();
  const exists = (path: string, kind: 'file' | 'dir') => {
    if (!existsSync(join(root, path))) return false;
    const isDir = statSync(join(root, path)).isDirectory();
    if (kind === 'dir') return isDir && (files === undefined || [...files].some((file) => file.startsWith(`${path}/`)));
    return !isDir && (files === undefined || files.has(path));
  };

  for (const file of Object.values(READMES)) {
    test(`${file}: every link into the repository is absolute and points to a tracked file or folder`, () => {
      const problems: string[] = [];
      for (const { text, line } of parse(file, false).prose) {
        // Inline code is not a link.
        for (const [, bang, target] of text.replaceAll(/`[^`]*`/g, '').matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)) {
          const at = `${file}:${line}: ${bang ? 'image' : 'link'} ${target}`;
          if (target!.startsWith('#') || /^mailto:/.test(target!)) continue;
          if (!/^https?:\/\//.test(target!)) {
            problems.push(`${at} is relative: it is broken on the npm page; use ${bang ? raw : `${repo}/blob/main/`}${target}`);
            continue;
          }
          const path = target!.split('#')[0]!;
          if (bang) {
            if (path.startsWith(`${repo}/`)) problems.push(`${at}: an image on github.com is a web page, not the image; use ${raw}…`);
            else if (path.startsWith(raw) && !exists(path.slice(raw.length), 'file')) problems.push(`${at}: no tracked file ${path.slice(raw.length)}`);
            continue;
          }
          const inRepo = /^\/(blob|tree)\/main\/(.+?)\/?$/.exec(path.slice(repo.length));
          if (!path.startsWith(`${repo}/`)) continue; // another site
          if (inRepo === null) {
            if (!/^\/(issues|pulls)$/.test(path.slice(repo.length))) problems.push(`${at}: neither ${repo}/blob/main/FILE nor ${repo}/tree/main/FOLDER`);
            continue;
          }
          const kind = inRepo[1] === 'blob' ? 'file' : 'dir';
          if (!exists(inRepo[2]!, kind)) problems.push(`${at}: no tracked ${kind === 'file' ? 'file' : 'folder'} ${inRepo[2]} (${kind === 'file' ? 'blob/ is for files' : 'tree/ is for folders'})`);
        }
      }
      assert.deepEqual(problems, [], `${file}'s links (the repository is ${repo}, from package.json):\n  ${problems.join('\n  ')}`);
    });
  }
});
