/**
 * Renders a generated report.html in headless Chromium and checks that the inline SVG plots
 * really draw: element geometry from the live DOM, and the expected colours in the screenshot's
 * pixels inside each bar chart. Skips when /usr/bin/chromium is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { htmlReport } from '../../src/experiment/report/html.ts';
import { PALETTE, REFERENCE_COLOR, WARNING_COLOR } from '../../src/experiment/report/svg.ts';
import { decodePng, type Image } from '../helpers/report-png.ts';
import { sampleResults } from '../helpers/report-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const WIDTH = 1200;
const HEIGHT = 2000;
const run = promisify(execFile);

function chromiumArgs(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--force-device-scale-factor=1',
    `--user-data-dir=${profile}`,
  ];
}

/** Measures every chart in the live page and leaves the numbers in a hidden <pre> for --dump-dom. */
const MEASURE = `<pre id="measure" style="display:none"></pre><script>
const out = [...document.querySelectorAll('svg.chart')].map((svg) => {
  const box = svg.getBoundingClientRect();
  const kind = [...svg.classList].find((c) => c.startsWith('chart-')).slice(6);
  const bars = [...svg.querySelectorAll('rect.bar')].map((r) => { const b = r.getBBox(); return { x: b.x, width: b.width, fill: r.getAttribute('fill') }; });
  const ref = svg.querySelector('line.reference');
  return {
    kind, x: box.left + scrollX, y: box.top + scrollY, width: box.width, height: box.height,
    bars, reference: ref ? Number(ref.getAttribute('x1')) : null,
    lines: [...svg.querySelectorAll('path.series')].map((p) => p.getTotalLength()),
    points: svg.querySelectorAll('circle.point').length,
  };
});
document.getElementById('measure').textContent = JSON.stringify(out);
</script>`;

interface Measured {
  kind: string;
  x: number;
  y: number;
  width: number;
  height: number;
  bars: { x: number; width: number; fill: string }[];
  reference: number | null;
  lines: number[];
  points: number;
}

function countColour(img: Image, box: { x: number; y: number; width: number; height: number }, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let y = Math.max(0, Math.floor(box.y)); y < Math.min(img.height, box.y + box.height); y++) {
    for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(img.width, box.x + box.width); x++) {
      const p = (y * img.width + x) * 4;
      if (Math.abs(img.rgba[p] - r) <= 2 && Math.abs(img.rgba[p + 1] - g) <= 2 && Math.abs(img.rgba[p + 2] - b) <= 2) n++;
    }
  }
  return n;
}

test('report.html renders in Chromium with every plot drawn', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`,
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tastebud-render-'));
  try {
    const html = htmlReport(sampleResults());
    const report = join(dir, 'report.html');
    const measure = join(dir, 'measure.html');
    await writeFile(report, html);
    await writeFile(measure, html.replace('</body>', `${MEASURE}</body>`));

    const png = join(dir, 'report.png');
    await run(CHROMIUM, [...chromiumArgs(join(dir, 'profile-shot')), `--screenshot=${png}`, `--window-size=${WIDTH},${HEIGHT}`, `file://${report}`], { timeout: 90_000 });
    assert.ok((await stat(png)).size > 30_000, 'the screenshot is suspiciously small');
    const img = decodePng(await readFile(png));
    assert.equal(img.width, WIDTH);
    assert.equal(img.height, HEIGHT);

    const { stdout } = await run(CHROMIUM, [...chromiumArgs(join(dir, 'profile-dom')), '--dump-dom', `--window-size=${WIDTH},${HEIGHT}`, `file://${measure}`], {
      timeout: 90_000,
      maxBuffer: 64 << 20,
    });
    const text = /<pre id="measure"[^>]*>([^<]*)<\/pre>/.exec(stdout)?.[1];
    assert.ok(text, 'the measuring script did not run');
    const charts = JSON.parse(
      text
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    ) as Measured[];

    const byKind = (k: string) => charts.filter((c) => c.kind === k);
    assert.equal(byKind('bar').length, 4);
    assert.equal(byKind('line').length, 5);
    assert.equal(byKind('scatter').length, 1);
    for (const c of charts) assert.ok(c.width > 200 && c.height > 100, `${c.kind} chart laid out at ${c.width}×${c.height}`);
    for (const c of byKind('line')) assert.ok(c.lines.length > 0 && c.lines.every((len) => len > 50), `line lengths ${c.lines}`);
    assert.equal(byKind('scatter')[0].points, 10, 'the scatter plot shows every trial');

    for (const c of byKind('bar')) {
      assert.equal(c.bars.length, 3);
      assert.ok(
        c.bars.every((b) => b.width > 20),
        `bar widths ${c.bars.map((b) => b.width)}`,
      );
      const pop = c.bars.find((b) => b.fill === REFERENCE_COLOR)!;
      assert.ok(Math.abs(pop.x + pop.width - c.reference!) < 0.5, 'the dashed popularity line sits at the end of the popularity bar');
      // Pixels: the grey, red and blue bars are visibly painted where the chart is.
      if (c.y + c.height <= HEIGHT) {
        for (const colour of [REFERENCE_COLOR, WARNING_COLOR, PALETTE[0]]) {
          const n = countColour(img, c, colour);
          assert.ok(n > 500, `only ${n} pixels of ${colour} in the bar chart at y=${c.y}`);
        }
      }
    }
    // The first line chart (validation curves of the two trained runs) is drawn in their colours.
    const overview = byKind('line')[0];
    assert.ok(overview.y + overview.height <= HEIGHT, 'the validation overview should be within the first screen');
    for (const colour of [PALETTE[0], PALETTE[1]]) assert.ok(countColour(img, overview, colour) > 100, `no ${colour} line in the validation chart`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
