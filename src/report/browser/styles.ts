// The page's stylesheet, added by the page script (the CSP allows inline styles, nothing fetched).
export const PAGE_CSS = `
:root { color-scheme: light; --text: #1f2328; --muted: #59636e; --line: #d1d9e0; --pass: #1a7f37; --fail: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 20px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: #fff; }
.run { margin: 0 auto 48px; max-width: 1880px; }
.run + .run { border-top: 3px solid var(--line); padding-top: 16px; }
.run-title { font-size: 19px; margin: 2px 0 6px; display: flex; align-items: center; gap: 10px; }
.badge { font-size: 13px; font-weight: 700; letter-spacing: 0.04em; padding: 2px 9px; border-radius: 4px; color: #fff; }
.badge-pass { background: var(--pass); }
.badge-fail { background: var(--fail); }
.badge-none { background: #6e7781; }
.facts { display: flex; flex-wrap: wrap; gap: 2px 6px; margin: 0 0 4px; font-size: 13px; align-items: baseline; }
.facts dt { color: var(--muted); }
.facts dt::after { content: ":"; }
.facts dd { margin: 0 14px 0 0; overflow-wrap: anywhere; }
.mono, pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.settings summary, .expectations-box summary { cursor: pointer; color: var(--muted); font-size: 13px; }
.settings-list { margin: 4px 0 8px; padding: 8px 10px; background: #f6f8fa; border-radius: 6px; white-space: pre-wrap; max-height: 240px; overflow: auto; }
.expectations { list-style: none; margin: 6px 0 2px; padding: 0; display: grid; gap: 2px; }
.expectation { border-left: 4px solid; padding: 1px 8px; background: #f6f8fa; display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: baseline; font-size: 13px; }
.expectation.fail { background: #ffebe9; }
.glyph { font-weight: 700; }
.expectation-label { font: inherit; font-weight: 600; color: var(--text); background: none; border: 0; padding: 0; cursor: zoom-in; text-align: left; }
.expectation-label:hover { text-decoration: underline; }
.expectation-detail { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.position { color: var(--muted); font-size: 12px; margin-left: auto; }
.toolbar { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,0.96); border-bottom: 1px solid var(--line); padding: 6px 0; margin: 8px 0 4px; display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; font-size: 13px; }
.toolbar .range { font-weight: 600; font-variant-numeric: tabular-nums; }
.toolbar .hint { color: var(--muted); }
button.reset, .link-button { font: inherit; font-size: 13px; padding: 2px 10px; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; cursor: pointer; }
.link-button { margin-left: 4px; }
.notice { color: var(--muted); font-size: 13px; margin: 4px 0; }
.chart { margin: 6px 0 2px; }
.chart-title { font-size: 14px; margin: 8px 0 0; font-weight: 600; }
.uplot { font-family: system-ui, sans-serif; }
.uplot .u-legend { font-size: 12px; text-align: left; margin: 0 0 0 ${62}px; line-height: 1.3; }
.uplot .u-legend tr.legend-break { display: block; height: 0; margin: 0; }
.uplot .u-legend tr.legend-group th { font-weight: 700; padding: 4px 8px 4px 0; cursor: default; }
.uplot .u-legend tr.legend-group th::after { content: ""; }
.peer-focus { display: flex; flex-wrap: wrap; gap: 2px 14px; align-items: center; font-size: 12.5px; margin: 2px 0 2px 62px; color: var(--muted); }
.peer-focus-choice { color: var(--text); cursor: pointer; display: inline-flex; align-items: center; gap: 4px; }
.peer-focus-choice input { margin: 0; }
.uplot .u-legend .u-series { padding: 0 6px 0 0; }
.uplot .u-legend .u-series th { font-weight: 500; }
.uplot .u-legend .u-marker { width: 12px; height: 12px; margin-right: 4px; }
.uplot .u-legend .u-value { font-variant-numeric: tabular-nums; font-weight: 600; }
.uplot .u-legend .u-series:first-child .u-value { min-width: 7em; display: inline-block; }
.u-select { background: rgba(0,114,178,0.15); }
.state-legend { display: flex; flex-wrap: wrap; gap: 2px 12px; font-size: 12px; margin: 0 0 0 62px; }
.state-legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; background: var(--swatch); border: 1px solid rgba(0,0,0,0.2); }
.tooltip { position: fixed; z-index: 20; display: none; max-width: 520px; padding: 6px 9px; background: #1f2328; color: #fff; border-radius: 6px; font-size: 12.5px; line-height: 1.4; pointer-events: none; box-shadow: 0 4px 14px rgba(0,0,0,0.25); }
.tooltip div:first-child { color: #c9d1d9; font-variant-numeric: tabular-nums; }
.sequence { margin-top: 14px; }
.sequence-status { font-size: 13px; color: var(--muted); margin: 2px 0 6px; }
.sequence-scroll { max-height: 78vh; overflow: auto; scrollbar-gutter: stable; border: 1px solid var(--line); border-radius: 6px; }
.sequence-svg { display: block; font-family: system-ui, sans-serif; }
.sequence-svg .lane-name { font-size: 14px; font-weight: 700; fill: #1f2328; }
.sequence-svg .time-label { font-size: 11px; fill: #59636e; font-variant-numeric: tabular-nums; }
.sequence-svg .drop-label, .sequence-svg .time-label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.sequence-svg .command-label { font-size: 11.5px; fill: #1f2328; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.sequence-svg .retransmission { font-weight: 700; }
.sequence-svg .drop-label { font-size: 11.5px; font-weight: 600; fill: #b3410e; }
.sequence-svg .gap-label { font-size: 11px; fill: #59636e; font-style: italic; }
.sequence-svg .datagram:hover line { stroke-width: 3; }
`;
