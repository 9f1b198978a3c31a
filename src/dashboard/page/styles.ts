/**
 * The page's stylesheet, inlined into the HTML: no request before first paint, nothing from the
 * internet. System fonts only (nothing to download); numbers use tabular figures so that live
 * values do not jitter as they change.
 */
export const styles = String.raw`
:root {
  --bg: #0a0f1c;
  --bg-2: #0e1526;
  --card: #111a2e;
  --card-2: #152039;
  --line: #1f2b47;
  --line-2: #2a3858;
  --text: #e6ecf7;
  --muted: #8a97b3;
  --faint: #5d6a87;
  --blue: #5aa9ff;
  --green: #34d399;
  --red: #fb7185;
  --amber: #fbbf24;
  --violet: #a78bfa;
  --radius: 14px;
  --font: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: dark;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; min-height: 100vh; font: 14px/1.45 var(--font); color: var(--text);
  background: radial-gradient(1200px 600px at 10% -10%, #14213f 0%, transparent 60%), radial-gradient(900px 500px at 110% 0%, #1a1838 0%, transparent 55%), var(--bg);
  font-variant-numeric: tabular-nums;
}
a { color: var(--blue); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font-family: var(--mono); font-size: 12px; background: #0b1222; border: 1px solid var(--line); padding: 1px 5px; border-radius: 6px; }

.top { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: center; justify-content: space-between; max-width: 1440px; margin: 0 auto; padding: 22px 24px 8px; }
.brand { display: flex; gap: 12px; align-items: center; min-width: 0; }
.logo { width: 38px; height: 38px; flex: none; }
h1 { margin: 0; font-size: 19px; font-weight: 650; letter-spacing: -0.01em; }
.sub { margin: 1px 0 0; color: var(--muted); font-size: 13px; }
.live { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.pill { display: inline-flex; align-items: center; gap: 7px; padding: 5px 11px; border-radius: 999px; border: 1px solid var(--line); background: var(--bg-2); color: var(--muted); font-size: 12.5px; font-weight: 550; }
.pill i { width: 8px; height: 8px; border-radius: 50%; background: var(--faint); }
.pill[data-up="yes"] i { background: var(--green); box-shadow: 0 0 0 3px rgba(52, 211, 153, .15); }
.pill[data-up="no"] { color: #ffd1d8; border-color: rgba(251, 113, 133, .45); background: rgba(251, 113, 133, .1); }
.pill[data-up="no"] i { background: var(--red); box-shadow: 0 0 0 3px rgba(251, 113, 133, .18); }
.updated { display: inline-flex; align-items: center; gap: 7px; color: var(--muted); font-size: 12.5px; padding-left: 4px; }
.updated::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--faint); }
.updated[data-health="ok"]::before { background: var(--green); animation: pulse 2.4s ease-out infinite; }
.updated[data-health="partial"]::before { background: var(--amber); }
.updated[data-health="down"]::before { background: var(--red); }
@keyframes pulse { 0% { box-shadow: 0 0 0 0 rgba(52, 211, 153, .55); } 70% { box-shadow: 0 0 0 7px rgba(52, 211, 153, 0); } 100% { box-shadow: 0 0 0 0 rgba(52, 211, 153, 0); } }

.banner { max-width: 1392px; margin: 10px 24px 0; padding: 11px 16px; border-radius: 12px; border: 1px solid rgba(251, 191, 36, .4); background: rgba(251, 191, 36, .08); color: #fde7b0; font-size: 13.5px; }
.banner[data-level="error"] { border-color: rgba(251, 113, 133, .45); background: rgba(251, 113, 133, .09); color: #ffd1d8; }
.banner p { margin: 2px 0; }
.banner[hidden] { display: none; }
@media (min-width: 1440px) { .banner { margin-left: auto; margin-right: auto; } }

.grid { max-width: 1440px; margin: 0 auto; padding: 14px 24px 8px; display: grid; gap: 16px; grid-template-columns: repeat(3, minmax(0, 1fr)); grid-auto-flow: row dense; }
.kpis { grid-column: 1 / -1; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); }
.kpi, .card { position: relative; background: linear-gradient(180deg, var(--card-2), var(--card)); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: 0 1px 0 rgba(255, 255, 255, .03) inset, 0 12px 32px -18px rgba(0, 0, 0, .6); }
.kpi { padding: 15px 18px 14px; overflow: hidden; }
.kpi::after { content: ""; position: absolute; inset: 0 0 auto 0; height: 2px; background: var(--accent, var(--blue)); opacity: .85; }
.kpi h2 { margin: 0; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; }
.kpi .value { margin: 6px 0 2px; font-size: 28px; font-weight: 680; letter-spacing: -0.02em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.kpi .note { margin: 0; color: var(--muted); font-size: 12.5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.kpi[data-state="error"] .value, .card[data-state="error"] .body { opacity: .35; filter: saturate(.4); }
.bump { animation: bump .9s ease-out; }
@keyframes bump { 0% { color: #fff; text-shadow: 0 0 14px rgba(90, 169, 255, .8); } 100% { text-shadow: none; } }

.card { padding: 16px 18px 14px; min-width: 0; display: flex; flex-direction: column; }
.span2 { grid-column: span 2; }
.span3 { grid-column: 1 / -1; }
.card > header { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: baseline; justify-content: space-between; margin-bottom: 10px; }
.card h2 { margin: 0; font-size: 15px; font-weight: 640; }
.card .hint { margin: 0; color: var(--muted); font-size: 12.5px; }
.legend { display: flex; gap: 14px; margin: 0; padding: 0; list-style: none; color: var(--muted); font-size: 12.5px; }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.legend i { width: 10px; height: 10px; border-radius: 3px; background: var(--c); }
.legend i.line { height: 3px; border-radius: 2px; }
.c-blue { --c: var(--blue); }
.c-green { --c: var(--green); }
.c-red { --c: var(--red); }
.body { position: relative; flex: 1; min-height: 120px; transition: opacity .25s; }
.msg { display: none; margin: 8px 0 0; padding: 9px 12px; border-radius: 10px; font-size: 13px; }
.card[data-state="empty"] .msg.empty { display: block; color: var(--muted); background: rgba(138, 151, 179, .08); border: 1px dashed var(--line-2); }
.card[data-state="error"] .msg.error { display: block; color: #ffd1d8; background: rgba(251, 113, 133, .08); border: 1px solid rgba(251, 113, 133, .35); }
.card[data-state="error"][data-has-data="no"] .body { display: none; }
.card[data-state="loading"] .body::after { content: ""; position: absolute; inset: 0; border-radius: 10px; background: linear-gradient(90deg, transparent, rgba(255, 255, 255, .04), transparent) 0 0 / 200% 100%, rgba(255, 255, 255, .02); animation: shimmer 1.3s linear infinite; }
@keyframes shimmer { to { background-position: -200% 0, 0 0; } }

.chart { width: 100%; height: 270px; }
.chart svg { display: block; overflow: visible; }
.chart text { fill: var(--muted); font: 11.5px var(--font); font-variant-numeric: tabular-nums; }
.chart .grid-line { stroke: var(--line); stroke-width: 1; }
.chart .base-line { stroke: var(--line-2); stroke-width: 1; }
.chart .bar-qty { fill: url(#qty-fill); }
.chart .band:hover .bar-qty { fill: #8cc4ff; }
.chart .band .hit { fill: transparent; }
.chart .band:hover .hit { fill: rgba(255, 255, 255, .035); }
.chart .rev-line { fill: none; stroke: var(--green); stroke-width: 2.25; stroke-linejoin: round; stroke-linecap: round; }
.chart .rev-area { fill: url(#rev-fill); }
.chart .rev-dot { fill: var(--bg); stroke: var(--green); stroke-width: 2; }

.bars { display: flex; flex-direction: column; gap: 12px; }
.bar-row { display: grid; grid-template-columns: minmax(90px, 34%) 1fr; gap: 4px 12px; align-items: center; }
.bar-row .name { font-weight: 560; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar-row .name small { display: block; color: var(--faint); font-weight: 450; font-size: 11.5px; }
.track { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.meter { display: flex; align-items: center; gap: 8px; font-size: 12px; color: var(--muted); min-width: 0; }
.meter b { display: block; height: 10px; border-radius: 5px; min-width: 2px; background: var(--c); transition: width .6s cubic-bezier(.2, .8, .2, 1); }
.meter span { flex: none; }
.diverge { display: grid; grid-template-columns: 1fr 1fr; align-items: center; height: 14px; position: relative; }
.diverge::before { content: ""; position: absolute; left: 50%; top: -3px; bottom: -3px; width: 1px; background: var(--line-2); }
.diverge .neg { justify-self: end; height: 12px; border-radius: 6px 0 0 6px; background: var(--red); transition: width .6s; }
.diverge .pos { justify-self: start; height: 12px; border-radius: 0 6px 6px 0; background: var(--green); transition: width .6s; }
.level { display: grid; grid-template-columns: minmax(0, 1fr) 64px; gap: 10px; align-items: center; font-size: 12.5px; }
.level strong { text-align: right; color: var(--text); font-weight: 600; }

table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; padding: 0 10px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 8px 10px; border-bottom: 1px solid rgba(31, 43, 71, .6); white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: rgba(255, 255, 255, .02); }
td.num, th.num { text-align: right; }
td.time { color: var(--muted); }
tr.fresh td { animation: fresh 2.2s ease-out; }
@keyframes fresh { from { background: rgba(90, 169, 255, .14); } to { background: transparent; } }
.table-wrap { overflow-x: auto; }
/* A chart's values for screen readers: read, not seen. */
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }

.streams { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(340px, 100%), 1fr)); gap: 14px; }
.stream { border: 1px solid var(--line); border-radius: 12px; background: rgba(10, 15, 28, .45); padding: 14px 14px 12px; min-width: 0; }
.stream > header { display: flex; align-items: center; gap: 10px; margin-bottom: 10px; }
.stream h3 { margin: 0; font-size: 14.5px; font-weight: 650; }
.stream .route { color: var(--faint); font-size: 12px; font-family: var(--mono); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.badge { margin-left: auto; flex: none; font-size: 11.5px; font-weight: 650; padding: 3px 9px; border-radius: 999px; background: rgba(52, 211, 153, .12); color: var(--green); border: 1px solid rgba(52, 211, 153, .3); }
.stream[data-health="warn"] .badge { background: rgba(251, 191, 36, .1); color: var(--amber); border-color: rgba(251, 191, 36, .35); }
.stream[data-health="down"] .badge { background: rgba(251, 113, 133, .1); color: var(--red); border-color: rgba(251, 113, 133, .35); }
.stream[data-health="idle"] .badge { background: rgba(138, 151, 179, .1); color: var(--muted); border-color: var(--line-2); }
.stats { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px 12px; margin: 0 0 12px; }
.stats div { min-width: 0; }
.stats dt { color: var(--muted); font-size: 11.5px; }
.stats dd { margin: 1px 0 0; font-size: 17px; font-weight: 640; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.stats dd.warn { color: var(--amber); }
.stats dd.bad { color: var(--red); }
.stats dd.unknown { color: var(--faint); }
.spark { height: 54px; margin-bottom: 4px; }
.spark svg { display: block; width: 100%; height: 100%; }
.spark .area { fill: rgba(167, 139, 250, .18); }
.spark .line { fill: none; stroke: var(--violet); stroke-width: 1.75; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
.spark-caption { display: flex; justify-content: space-between; color: var(--faint); font-size: 11.5px; margin-bottom: 10px; }
.stream .problem { margin: 0 0 10px; padding: 7px 10px; border-radius: 8px; font-size: 12.5px; color: #ffd1d8; background: rgba(251, 113, 133, .08); border: 1px solid rgba(251, 113, 133, .3); overflow-wrap: anywhere; }
.parts th, .parts td { padding: 5px 8px; font-size: 12px; }
.parts td { border-bottom-color: rgba(31, 43, 71, .45); }
.parts td.lagging { color: var(--amber); font-weight: 600; }

footer { max-width: 1440px; margin: 0 auto; padding: 10px 24px 28px; color: var(--faint); font-size: 12.5px; display: flex; flex-wrap: wrap; gap: 6px 14px; }

@media (max-width: 1100px) {
  .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .span2 { grid-column: 1 / -1; }
}
@media (max-width: 720px) {
  .top { padding: 16px 14px 4px; }
  .grid { grid-template-columns: minmax(0, 1fr); padding: 12px 14px 6px; gap: 12px; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
  .kpi .value { font-size: 22px; }
  .span2, .span3 { grid-column: auto; }
  .chart { height: 220px; }
  .kpi .note { white-space: normal; }
  .bar-row { grid-template-columns: minmax(0, 1fr); gap: 6px; }
  td, th { padding-left: 6px; padding-right: 6px; }
  .card { padding: 14px 12px 12px; }
  .parts th, .parts td { padding: 4px 5px; font-size: 11.5px; letter-spacing: 0; }
  .banner { margin: 8px 14px 0; }
  footer { padding: 10px 14px 24px; }
}
.own-body { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 14px 18px; }
.own-body h3 { margin: 0 0 6px; font-size: 12.5px; font-weight: 560; color: var(--faint); }
.own-plot { min-height: 178px; }
.own-events { width: 100%; height: auto; display: block; overflow: visible; }
.own-events .bar { fill: #5aa9ff; }
.own-events text { fill: var(--muted); font: 11px var(--font); font-variant-numeric: tabular-nums; }
.own-events .axis-title { fill: var(--faint); }
.own-events .grid-line { stroke: var(--line); stroke-width: 1; }
.own-events .base-line, .own-events .tick { stroke: var(--line-2); stroke-width: 1; }
.own-facts { display: flex; flex-direction: column; gap: 10px; }
.own-top ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
.own-top li { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 2px 8px; font-size: 13px; }
.own-top li .v { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.own-top li i { grid-column: 1 / -1; height: 3px; border-radius: 2px; background: #34d399; }
.own-rows-box { grid-column: 1 / -1; min-width: 0; }
.own-rows-box .more { font-weight: 450; }
.own-rows-box .more[hidden] { display: none; }
.rows-wrap { scrollbar-width: thin; scrollbar-color: var(--line-2) transparent; border-radius: 8px; padding-bottom: 4px; }
.rows-wrap:focus-visible { outline: 2px solid var(--blue); outline-offset: 2px; }
.own-rows td { white-space: normal; overflow-wrap: anywhere; min-width: 8ch; max-width: 34ch; vertical-align: top; }
.own-rows th:first-child, .own-rows td:first-child { position: sticky; left: 0; background: var(--card); }
@media (max-width: 760px) { .own-body { grid-template-columns: minmax(0, 1fr); } }
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
`;
