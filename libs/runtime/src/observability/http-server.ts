/**
 * A minimal HTTP endpoint for /metrics and /health (liveness: /health/live, readiness: /health/ready)
 * used by the apps that have no HTTP API of their own (processor, sink).
 */
import { createServer, Server } from 'http';
import { processMetrics, registry } from './metrics';
import { health } from './health';

export function startOpsServer(port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await processMetrics());
        return;
      }
      if (path === '/health/live') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ live: true }));
        return;
      }
      if (path === '/health' || path === '/health/ready') {
        const report = await health.report();
        res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error_code: 'NOT_FOUND',
          message: `no route ${path}`,
          details: null,
          timestamp: new Date().toISOString(),
          request_id: '',
        }),
      );
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error_code: 'INTERNAL',
          message: 'metrics unavailable',
          details: null,
          timestamp: new Date().toISOString(),
          request_id: '',
        }),
      );
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
