import type { RequestMessage, ResponseMessage } from './message';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c]!);

export interface ProxyErrorPage {
  status: number;
  title: string;
  /** Plain sentences, escaped on output. */
  lines: string[];
  /** Links shown as a list (e.g. the configured hosts). */
  links?: { href: string; text: string }[];
  /** Extra response headers (Retry-After). */
  headers?: string[];
}

function renderHtml(page: ProxyErrorPage): string {
  const lines = page.lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('');
  const links = page.links?.length
    ? `<ul>${page.links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a></li>`).join('')}</ul>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${page.status} ${escapeHtml(page.title)} · Switchyard</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1d2330}h1{font-size:1.3rem}small{color:#667}</style>
</head><body><h1>${page.status} · ${escapeHtml(page.title)}</h1>${lines}${links}<p><small>Served by Switchyard, your local proxy.</small></p></body></html>`;
}

function renderText(page: ProxyErrorPage): string {
  const links = page.links?.map((l) => `  ${l.text}`).join('\n');
  return `${page.status} ${page.title}\n${page.lines.join('\n')}\n${links ? `${links}\n` : ''}`;
}

/** Browsers get HTML, curl and scripts get plain text. */
export function sendErrorPage(req: RequestMessage, res: ResponseMessage, page: ProxyErrorPage): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const html = (req.headers.accept ?? '').includes('text/html');
  const body = html ? renderHtml(page) : renderText(page);
  res.writeHead(page.status, undefined, [
    'Content-Type',
    html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'Cache-Control',
    'no-store',
    'X-Content-Type-Options',
    'nosniff',
    ...(page.headers ?? []),
  ]);
  res.end(req.method === 'HEAD' ? undefined : body);
}
