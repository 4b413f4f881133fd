// One self-contained HTML file: styles, the page script and the report's data inlined, nothing
// fetched. The data travels as JSON in a <script type="application/json"> element.

export interface HtmlPage {
  title: string;
  /** Stylesheets, inlined in order. */
  css: string[];
  /** The page script (a prebuilt bundle), run after the data element exists. */
  script: string;
  /** What the script draws; serialised with JSON.stringify (keep key order stable for byte-identical files). */
  data: unknown;
}

/** The id of the element holding the page's data. */
export const PAGE_DATA_ELEMENT_ID = 'enetsim-data';

export function renderHtmlPage(page: HtmlPage): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No request leaves the page: everything it needs is inline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(page.title)}</title>`,
    ...page.css.map((css) => `<style>${css.replace(/<\/style/gi, '<\\/style')}</style>`),
    '</head>',
    '<body>',
    `<script type="application/json" id="${PAGE_DATA_ELEMENT_ID}">${jsonForScript(page.data)}</script>`,
    `<script>${page.script.replace(/<\/script/gi, '<\\/script')}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** JSON that cannot close the <script> element it sits in, nor start a comment. */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
