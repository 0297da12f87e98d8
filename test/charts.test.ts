// The benchmark charts (bench/charts.ts), rendered from the committed bench/results/*.json the
// way `npm run bench:report` renders them: to PNG with vega's canvas renderer, checking the
// image size, that no text is cut off (by vega's own text metrics: a label wider than its limit
// is what vega truncates with "…"), that every text lies inside the image, and that the colours
// and the legend say what the bars are.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as vega from 'vega';
import { COLORS, fullSpec, headlineBars, headlineSpec, loadResults, type Role, viewOf } from '../bench/charts.ts';

// vega's text metrics (vega-scenegraph's textMetrics, re-exported by vega, not in its typings).
const { textMetrics } = vega as unknown as { textMetrics: { width(item: object, text: string): number } };
const families = loadResults();
const SCALE = 2;

interface Item {
  x?: number;
  y?: number;
  text?: string | string[];
  limit?: number;
  fill?: string;
  datum?: Record<string, unknown>;
  bounds: { x1: number; y1: number; x2: number; y2: number };
  items?: Mark[];
}
interface Mark {
  marktype: string;
  role: string;
  items: Item[];
}

/** Every item of the scenegraph under `mark`, with its mark. */
function* walk(mark: Mark): Generator<{ mark: Mark; item: Item }> {
  for (const item of mark.items) {
    yield { mark, item };
    for (const child of item.items ?? []) yield* walk(child);
  }
}

/** The width and height of a PNG, from its IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const bytes = Buffer.from(png);
  assert.equal(bytes.toString('latin1', 1, 4), 'PNG', 'a PNG file');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function render(spec: Parameters<typeof viewOf>[0]) {
  const view = await viewOf(spec);
  const svg = await view.toSVG();
  const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);
  const height = Number(/<svg[^>]* height="([\d.]+)"/.exec(svg)?.[1]);
  const canvas = (await view.toCanvas(SCALE)) as unknown as { toBuffer(type: 'image/png'): Uint8Array };
  const png = pngSize(canvas.toBuffer('image/png'));
  const root = (view.scenegraph() as unknown as { root: Mark }).root;
  const items = [...walk(root)];
  const [originX, originY] = view.origin();
  return { width, height, png, items, origin: { x: originX, y: originY } };
}

type Rendered = Awaited<ReturnType<typeof render>>;

/** Texts that vega would cut to fit their limit, or that lie outside the image. */
function badTexts({ items, width, height, origin }: Rendered): string[] {
  const problems: string[] = [];
  for (const { mark, item } of items) {
    if (mark.marktype !== 'text' || item.text === undefined) continue;
    for (const line of [item.text].flat()) {
      // Measured without the limit: vega's width() of a limited item is that of the cut text.
      const measured = textMetrics.width({ ...item, limit: 0 }, line);
      if ((item.limit ?? 0) > 0 && measured > item.limit!) {
        problems.push(`${mark.role} "${line}" is ${measured.toFixed(0)} px wide, its limit is ${item.limit} px: vega cuts it with …`);
      }
    }
  }
  // The root group's bounds hold the whole drawing (texts included), in coordinates that the
  // view's origin translates into the image's: they must fit the image.
  const b = items[0]!.item.bounds;
  const [x1, y1, x2, y2] = [b.x1 + origin.x, b.y1 + origin.y, b.x2 + origin.x, b.y2 + origin.y];
  if (x1 < -0.5 || y1 < -0.5 || x2 > width + 0.5 || y2 > height + 0.5) {
    problems.push(`the drawing (${x1},${y1})-(${x2},${y2}) exceeds the image ${width}×${height}`);
  }
  return problems;
}

function bars({ items }: Rendered): Item[] {
  return items.filter(({ mark, item }) => mark.marktype === 'rect' && typeof item.datum?.['role'] === 'string').map(({ item }) => item);
}

function legend({ items }: Rendered): { labels: string[]; fills: string[] } {
  const labels = items.filter(({ mark }) => mark.role === 'legend-label').map(({ item }) => String(item.text));
  const fills = items.filter(({ mark }) => mark.role === 'legend-symbol').map(({ item }) => String(item.fill));
  return { labels, fills };
}

describe('the README headline chart', () => {
  test('four workloads: this package, the fastest npm peer where there is one, the baseline', () => {
    const found = headlineBars(families);
    const titles = [...new Set(found.map((bar) => bar.title))];
    assert.equal(titles.length, 4);
    for (const title of titles) {
      const roles = found.filter((bar) => bar.title === title).map((bar) => bar.role);
      assert.equal(roles[0], 'waitgroups', `${title}: ours first`);
      assert.equal(roles.at(-1), 'baseline', `${title}: the baseline last`);
      assert.equal(found.find((bar) => bar.title === title && bar.role === 'baseline')?.ratio, 1, `${title}: the baseline is 1×`);
    }
  });

  test('renders to PNG at the size vega laid out, with no text cut off and the right colours', async (t) => {
    const chart = await render(headlineSpec(families));
    t.diagnostic(`${chart.width}×${chart.height} px, PNG ${chart.png.width}×${chart.png.height}`);
    assert.deepEqual(chart.png, { width: Math.ceil(chart.width * SCALE), height: Math.ceil(chart.height * SCALE) });
    assert.ok(chart.width >= 500 && chart.width <= 1000, `fits a README column: ${chart.width} px wide`);
    assert.ok(chart.height <= 800, `short enough for a README: ${chart.height} px high`);
    assert.deepEqual(badTexts(chart), []);
    const drawn = bars(chart);
    assert.equal(drawn.length, headlineBars(families).length, 'one bar per row');
    for (const bar of drawn) assert.equal(bar.fill, COLORS[bar.datum!['role'] as Role], `${String(bar.datum!['label'])}: colour of its role`);
    assert.deepEqual(legend(chart), {
      labels: ['this package', 'fastest npm peer', 'baseline (1×)'],
      fills: [COLORS.waitgroups, COLORS['npm peer'], COLORS.baseline],
    });
  });
});

describe('the full chart of docs/benchmarks.md', () => {
  test('renders to PNG with every label whole, this package in one colour in every family', async (t) => {
    const chart = await render(fullSpec(families));
    t.diagnostic(`${chart.width}×${chart.height} px, PNG ${chart.png.width}×${chart.png.height}`);
    assert.deepEqual(chart.png, { width: Math.ceil(chart.width * SCALE), height: Math.ceil(chart.height * SCALE) });
    assert.ok(chart.width <= 1000, `${chart.width} px wide`);
    assert.deepEqual(badTexts(chart), []);
    const drawn = bars(chart);
    for (const bar of drawn) assert.equal(bar.fill, COLORS[bar.datum!['role'] as Role], `${String(bar.datum!['candidate'])}: colour of its role`);
    // Ours are green in each of the three families (the SharedWaitGroup rows were grey once).
    for (const name of ['waitgroups WaitGroup: ', 'SharedWaitGroup done() -> waitSync(): ', 'waitgroups Group: ']) {
      const ours = drawn.filter((bar) => String(bar.datum!['candidate']).startsWith(name));
      assert.ok(ours.length > 0 && ours.every((bar) => bar.fill === COLORS.waitgroups), `${name}… drawn in this package's colour`);
    }
    assert.deepEqual(legend(chart), {
      labels: ['this package', 'npm peer', 'reference (not a library)'],
      fills: [COLORS.waitgroups, COLORS['npm peer'], COLORS.reference],
    });
  });
});
