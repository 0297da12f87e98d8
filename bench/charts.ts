// The benchmark charts, drawn with vega-lite from bench/results/*.json: the headline chart of
// the README (a few workloads: this package, the best npm peer, the baseline) and the full chart
// of docs/benchmarks.md (every timed row). `npm run bench:report` writes them; test/charts.test.ts
// renders both and checks that no text is cut off.
import { readFileSync, readdirSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Row, Target } from './lib.ts';

export interface Results {
  family: string;
  machine: { node: string; platform: string; date: string; go?: string };
  rows: Row[];
  targets?: Target[];
}

/** Every results file, sorted by name. */
export function loadResults(dir: URL = new URL('./results/', import.meta.url)): Results[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Results);
}

/** What a row is: this package, an npm peer, the workload's baseline, or another reference. */
export type Role = 'waitgroups' | 'npm peer' | 'baseline' | 'reference';

export const COLORS: Readonly<Record<Role, string>> = {
  waitgroups: '#2f6f4f',
  'npm peer': '#9a9a9a',
  baseline: '#4a6fa5',
  reference: '#b8c7dc',
};

const NPM_PEERS = ['@jpwilliams/waitgroup', '@esfx/async-countdown', 'prex CountdownEvent', 'p-limit', 'p-map'];

/** Whether `row` is its workload's baseline: the first candidate measured (bench/lib.ts). */
export function isBaseline(rows: readonly Row[], row: Row): boolean {
  return rows.find((other) => other.workload === row.workload) === row;
}

/**
 * The role of a row of `results`. The shared family names its candidates by what they do:
 * there, every row but the raw Atomics and postMessage references is a SharedWaitGroup.
 */
export function roleOf({ family, rows }: Results, row: Row): Role {
  if (isBaseline(rows, row)) return 'baseline';
  if (NPM_PEERS.includes(row.name)) return 'npm peer';
  if (row.name.startsWith('waitgroups')) return 'waitgroups';
  if (family === 'shared' && !/^(raw |postMessage|one postMessage)/.test(row.name)) return 'waitgroups';
  return 'reference';
}

/** The headline chart's workloads: family, workload and our candidate in it, and its title. */
export const HEADLINE = [
  {
    family: 'in-thread',
    workload: 'fan-out/fan-in, N = 1,000 tasks',
    ours: 'waitgroups WaitGroup',
    label: 'waitgroups WaitGroup',
    title: 'Fan-out/fan-in of 1,000 async tasks',
  },
  {
    family: 'in-thread',
    workload: 'one-waiter wake path: add(1), wait(), done(), await',
    ours: 'waitgroups WaitGroup',
    label: 'waitgroups WaitGroup',
    title: 'Wake path: add(1), wait(), done(), await',
  },
  {
    family: 'shared',
    workload: 'fan-in: 100,000 completions from 2 running workers (time per completion)',
    ours: 'one done() per completion, main awaits wait()',
    label: 'waitgroups SharedWaitGroup done()',
    title: 'Fan-in: 100,000 completions from 2 worker threads',
  },
  {
    family: 'group',
    workload: '10,000 tasks (await null), limit 8',
    ours: 'waitgroups Group',
    label: 'waitgroups Group',
    title: 'Group: 10,000 tasks, at most 8 at once',
  },
] as const;

interface Bar {
  order: number;
  title: string;
  label: string;
  role: Role;
  ratio: number;
  text: string;
}

const LEGEND_TITLE = null;
const ratioText = (ratio: number) => `${ratio < 0.1 ? ratio.toFixed(3) : ratio.toFixed(2)}×`;

/** The rows of the headline chart: per workload ours, the best npm peer (if any), the baseline. */
export function headlineBars(families: readonly Results[]): Bar[] {
  return HEADLINE.flatMap(({ family, workload, ours, label, title }, order) => {
    const results = families.find((candidate) => candidate.family === family);
    const rows = results?.rows.filter((row) => row.workload === workload) ?? [];
    const mine = rows.find((row) => row.name === ours);
    const baseline = rows[0];
    if (results === undefined || mine === undefined || baseline === undefined) throw new Error(`bench/results: no "${ours}" in ${family} / ${workload}`);
    const peer = rows.filter((row) => roleOf(results, row) === 'npm peer').sort((a, b) => a.ratio - b.ratio)[0];
    const bar = (row: Row, role: Role, text: string): Bar => ({ order, title, label: text, role, ratio: row.ratio, text: ratioText(row.ratio) });
    return [
      bar(mine, 'waitgroups', label),
      ...(peer === undefined ? [] : [bar(peer, 'npm peer', `${peer.name} (fastest npm peer)`)]),
      bar(baseline, 'baseline', `${baseline.baseline} (baseline)`),
    ];
  });
}

function legendFor(roles: readonly Role[], labels: Readonly<Partial<Record<Role, string>>>) {
  return {
    field: 'role',
    type: 'nominal' as const,
    scale: { domain: [...roles], range: roles.map((role) => COLORS[role]) },
    legend: { title: LEGEND_TITLE, orient: 'top' as const, labelLimit: 0, labelExpr: `${JSON.stringify(labels)}[datum.label]` },
  };
}

/**
 * What both charts share: the title, the data, and one row of bars per workload (its `field`),
 * in data order (`order`), headed by the workload's name above it, never cut.
 */
function frame(title: string, values: readonly object[], field: string, header: { labelFontSize: number; labelExpr?: string; labelPadding?: number }) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' as const, fontSize: 14 },
    data: { values: [...values] },
    facet: {
      row: {
        field,
        type: 'nominal' as const,
        sort: { field: 'order', op: 'min' as const },
        header: { title: null, labelAngle: 0, labelOrient: 'top' as const, labelAnchor: 'start' as const, labelFontWeight: 'bold' as const, labelLimit: 0, ...header },
      },
    },
  };
}

/** The README's chart: a linear ratio axis, every bar labelled with its value. */
export function headlineSpec(families: readonly Results[]): TopLevelSpec {
  const bars = headlineBars(families);
  const max = Math.max(1.2, ...bars.map((bar) => bar.ratio)) * 1.12;
  const roles: Role[] = ['waitgroups', 'npm peer', 'baseline'];
  return {
    ...frame('Time as a ratio to the baseline of the same run (shorter is faster)', bars, 'title', { labelFontSize: 13, labelPadding: 4 }),
    spacing: 14,
    spec: {
      width: 360,
      layer: [
        {
          // One y encoding for the bars and their labels, so that they share one scale.
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: 0, labelFontSize: 12, ticks: false, domain: false } },
            x: { field: 'ratio', type: 'quantitative', scale: { domain: [0, max], nice: false }, title: null, axis: { format: '.1f', labelExpr: "datum.label + '×'", grid: true, tickCount: 6 } },
          },
          layer: [
            {
              mark: { type: 'bar', height: 16 },
              encoding: { color: legendFor(roles, { waitgroups: 'this package', 'npm peer': 'fastest npm peer', baseline: 'baseline (1×)' }) },
            },
            { mark: { type: 'text', align: 'left', dx: 4, fontSize: 12 }, encoding: { text: { field: 'text' } } },
          ],
        },
        { mark: { type: 'rule', color: 'black', strokeDash: [3, 3] }, encoding: { x: { datum: 1 } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: { view: { stroke: null }, axis: { labelFontSize: 11 } },
  };
}

/** Splits a long workload title into lines of at most `width` characters, at spaces. */
function wrap(text: string, width = 70): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + word.length + 1 <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** docs/benchmarks.md's chart: every timed row but the baselines, log scale, values in the labels. */
export function fullSpec(families: readonly Results[]): TopLevelSpec {
  const workloads: string[] = [];
  const rows = families.flatMap((results) =>
    results.rows
      .filter((row) => row.unit === undefined && !isBaseline(results.rows, row))
      .map((row) => ({
        order: workloads.includes(row.workload) ? workloads.indexOf(row.workload) : workloads.push(row.workload) - 1,
        workload: `${wrap(row.workload).join('\n')}\n(baseline: ${results.rows.find((other) => other.workload === row.workload)!.name})`,
        candidate: `${row.name}: ${ratioText(row.ratio)}`,
        role: roleOf(results, row),
        ratio: Number(row.ratio.toFixed(3)),
      })),
  );
  const roles: Role[] = ['waitgroups', 'npm peer', 'reference'];
  // Powers of ten around the figures, as the axis' ticks.
  const ratios = rows.map((row) => row.ratio);
  const low = Math.floor(Math.log10(Math.min(1, ...ratios)));
  const high = Math.ceil(Math.log10(Math.max(1, ...ratios)));
  const ticks = Array.from({ length: high - low + 1 }, (_, index) => 10 ** (low + index));
  return {
    ...frame('Time per workload as a ratio to its baseline (left of 1 is faster; log scale)', rows, 'workload', {
      labelFontSize: 12,
      labelExpr: "split(datum.value, '\\n')",
    }),
    spacing: 12,
    spec: {
      width: 360,
      layer: [
        {
          mark: 'bar',
          encoding: {
            y: { field: 'candidate', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0, labelFontSize: 11 } },
            // Bars grow from 1 (the baseline): left is faster, right is slower. A log scale, so
            // that 0.5× and 2× are the same length.
            x: {
              field: 'ratio',
              type: 'quantitative',
              scale: { type: 'log', domain: [ticks[0]!, ticks.at(-1)!] },
              title: null,
              axis: { values: ticks, format: '~g', labelExpr: "datum.label + '×'" },
            },
            x2: { datum: 1 },
            color: legendFor(roles, { waitgroups: 'this package', 'npm peer': 'npm peer', reference: 'reference (not a library)' }),
            tooltip: [{ field: 'candidate' }, { field: 'ratio' }],
          },
        },
        { mark: { type: 'rule', color: 'black' }, encoding: { x: { datum: 1 } } },
      ],
    },
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
  };
}

/**
 * A vega view of a vega-lite spec, run and ready to render (headless). Warnings are dropped:
 * vega-lite warns that the bars and their value labels, two layers on one y field, union the
 * domain of "different sources", which are the same data; the layout is checked by
 * test/charts.test.ts instead.
 */
export async function viewOf(spec: TopLevelSpec): Promise<vega.View> {
  const view = new vega.View(vega.parse(compile(spec, { logger: vega.logger(vega.Error) }).spec), { renderer: 'none' });
  await view.runAsync();
  return view;
}
