/**
 * `cmt sim explore --report DIR`: one self-contained HTML page (no script, no stylesheet or
 * font from the network, pictures inline) that says which properties held over the runs, how
 * many runs judged each, and for every failing run its seed, what it violated, its trace file,
 * its timeline picture and the commands that replay and shrink it.
 */

export interface ReportProperty {
  name: string;
  /** Runs in which the property was judged (null: every run, or not counted). */
  judged: number | null;
  violated: number;
}

export interface ReportRun {
  seed: number;
  violations: { property: string; message: string }[];
  /** The trace file: as a link from the report, and as the command line names it. */
  traceHref: string;
  tracePath: string;
  /** The run's picture (timeline-svg.ts), or null when over the report's cap. */
  svg: string | null;
}

export interface ExploreReport {
  scenario: string;
  source: string;
  runs: number;
  firstSeed: number;
  mutation: string | null;
  properties: ReportProperty[];
  failing: ReportRun[];
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A command line with each argument quoted for a POSIX shell when it needs it. */
function shell(args: string[]): string {
  return args.map((a) => (/^[\w./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const STYLE = `body{font-family:sans-serif;margin:2em;max-width:1040px;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}
.bad{color:#b2182b;font-weight:bold}.ok{color:#1a7f37}.warn{background:#fde0dd;padding:8px;border:1px solid #b2182b}
pre{background:#f6f8fa;padding:6px;overflow-x:auto}section{margin-top:2em;border-top:1px solid #ddd}`;

export function exploreReportHtml(r: ExploreReport): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escape(`cmt sim explore: ${r.scenario}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escape(r.scenario)}</h1>`,
    `<p>${escape(`${r.source}: ${r.runs} runs, seeds ${r.firstSeed}..${r.firstSeed + r.runs - 1}; ${r.failing.length} violated a property.`)}</p>`,
  ];
  if (r.mutation) out.push(`<p class="warn">UNSAFE MUTATION <b>${escape(r.mutation)}</b>: correct validators ran a deliberately broken core.</p>`);
  out.push('<h2>Properties</h2>', '<table>', '<tr><th>property</th><th>runs judged</th><th>runs violated</th></tr>');
  for (const p of r.properties) {
    const verdict = p.violated > 0 ? `<td class="bad">${p.violated}</td>` : `<td class="ok">0</td>`;
    out.push(`<tr><td>${escape(p.name)}</td><td>${p.judged === null ? `${r.runs} (all)` : p.judged}</td>${verdict}</tr>`);
  }
  out.push('</table>');
  if (r.failing.length > 0) {
    out.push('<h2>Failing runs</h2>', '<ul>');
    for (const f of r.failing) out.push(`<li><a href="#seed-${f.seed}">seed ${f.seed}</a>: ${escape([...new Set(f.violations.map((v) => v.property))].join(', '))}</li>`);
    out.push('</ul>');
  }
  for (const f of r.failing) {
    out.push(`<section id="seed-${f.seed}">`, `<h3>seed ${f.seed}</h3>`, '<ul>');
    for (const v of f.violations) out.push(`<li><b>${escape(v.property)}</b>: ${escape(v.message)}</li>`);
    out.push('</ul>', `<p>trace: <a href="${escape(f.traceHref)}">${escape(f.tracePath)}</a></p>`);
    out.push(`<pre>${escape(shell(['cmt', 'sim', 'replay', f.tracePath]))}\n${escape(shell(['cmt', 'sim', 'shrink', f.tracePath]))}</pre>`);
    out.push(f.svg ?? '<p>(no picture: past the report\'s limit of pictures; run <code>cmt sim run --seed</code> with <code>--svg</code>)</p>');
    out.push('</section>');
  }
  out.push('</body>', '</html>');
  return out.join('\n') + '\n';
}
