/**
 * The origin the benchmark and the cost simulation forward to: every path
 * answers a 2 KiB "segment" at once, on a free loopback port.
 */
import { createServer } from 'node:http';

export function startOrigin(): Promise<{ url: string; close: () => void }> {
  const segment = Buffer.alloc(2048, 0x47);
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': segment.length });
    response.end(segment);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${address.port}`, close: () => server.close() });
    }),
  );
}
