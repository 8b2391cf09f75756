import { Controller, Get, Header } from '@nestjs/common';
import { PublicRoute } from '@herald/observability';
import { openApiDocument } from './openapi-document';

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Herald API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.op{margin:.4rem 0}.m{display:inline-block;width:4.5rem;font-weight:600}</style></head>
<body><h1>Herald admin API</h1><p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>
<div id="ops">Loading…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const byTag={};
  for(const [path,item] of Object.entries(doc.paths))for(const [method,op] of Object.entries(item)){
    (byTag[op.tags[0]]??=[]).push('<div class="op"><span class="m">'+method.toUpperCase()+'</span><code>'+path+'</code> '+op.summary+'</div>');
  }
  document.getElementById('ops').innerHTML=Object.entries(byTag).map(([t,ops])=>'<h2>'+t+'</h2>'+ops.join('')).join('');
});
</script></body></html>`;

@Controller()
@PublicRoute()
export class OpenApiController {
  private readonly document = openApiDocument();

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return DOCS_PAGE;
  }
}
