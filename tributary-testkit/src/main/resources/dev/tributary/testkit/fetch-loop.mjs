// Sends the requests of a JSON file one after the other with Node's fetch (undici, keep-alive by
// default) and prints one line per answer: status, Connection header and body in base64, tab-separated.
// A request the client fails prints status 0 and the error with its cause.
import { readFileSync } from 'node:fs';

const requests = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const r of requests) {
  const bytes = readFileSync(r.body);
  const headers = [];
  for (let i = 0; i + 1 < r.headers.length; i += 2) headers.push([r.headers[i], r.headers[i + 1]]);
  const body = r.chunked ? new Blob([bytes]).stream() : bytes;
  let line;
  try {
    const response = await fetch(r.url, { method: r.method, headers, body, duplex: 'half', signal: AbortSignal.timeout(30000) });
    const text = Buffer.from(await response.arrayBuffer());
    line = [response.status, response.headers.get('connection') ?? '', text.toString('base64')];
  } catch (e) {
    const error = `${e}${e.cause ? ` (cause: ${e.cause.code ?? ''} ${e.cause.message ?? e.cause})` : ''}`;
    line = [0, '', Buffer.from(error).toString('base64')];
  }
  process.stdout.write(line.join('\t') + '\n');
}
