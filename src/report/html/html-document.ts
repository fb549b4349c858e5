/**
 * The shell every HTML report shares: one self-contained page (no scripts, fonts or images
 * fetched from anywhere), styles inline, and the one escape every input-derived string goes
 * through.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value from anywhere (transcripts, labels, file names): safe in element content and in quoted attributes. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** Tagged template that escapes every interpolation unless it is already `Html`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: Array<Html | string | number | undefined | ReadonlyArray<Html>>): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    if (value === undefined) text += '';
    else if (value instanceof Html) text += value.text;
    else if (Array.isArray(value)) text += (value as ReadonlyArray<Html>).map((part) => part.text).join('');
    else text += escapeHtml(value as string | number);
    text += strings[index + 1] ?? '';
  });
  return new Html(text);
}

const BASE_CSS = `
:root { color-scheme: light; --ink: #1d232a; --muted: #5b6570; --rule: #d8dde3; --good: #1a7f37; --bad: #c62828; --target: #c62828; --optimum: #1a7f37; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; padding: 24px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.lede, .muted { color: var(--muted); }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
td.text, th.text { text-align: left; white-space: normal; }
.held { color: var(--good); font-weight: 600; }
.failed { color: var(--bad); font-weight: 600; }
figure { margin: 8px 0 16px; }
figcaption { color: var(--muted); font-size: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
`;

/** A whole page: `<title>`, the shared styles plus any `css`, and the body. */
export function htmlDocument(title: string, body: Html, css = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${css}</style>
</head>
<body>
${body.text}
</body>
</html>
`;
}
