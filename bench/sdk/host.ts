// A host application for bench/sdk: one Express route, protected by requireKey in the mode given
// (HOST_MODE=none: no key check; local: the SDK's local verification; remote: POST /v1/keys/verify
// on every request). Prints "ready" once it can serve (local: once the invalidation feed is live).
import express from 'express';
import { createKeyplane } from '../../sdk/src/index.ts';
import { requireKey } from '../../sdk/src/middleware/express.ts';

const mode = process.env.HOST_MODE ?? 'local';
const app = express();
app.disable('x-powered-by');
const invoice = (id: string) => ({ id, amount: 120, currency: 'EUR', customer: 'Ada' });

if (mode === 'none') {
  app.get('/invoices/:id', (req, res) => void res.json(invoice(req.params.id)));
} else {
  const kp = createKeyplane({ url: process.env.KEYPLANE_URL!, token: process.env.HOST_TOKEN!, local: mode === 'local' });
  if (mode === 'local') {
    while (kp.stats.feed !== 'live') await new Promise((r) => setTimeout(r, 20));
  }
  app.get(
    '/invoices/:id',
    requireKey(kp, { permission: 'invoices:read' }),
    (req, res) => void res.json({ ...invoice(String(req.params.id)), key: req.keyplane?.apiKey?.name }),
  );
  process.on('SIGTERM', () => {
    // How the requests were answered (local: by the SDK; remote: by Keyplane): the bench checks it.
    if (process.env.HOST_STATS) process.stderr.write(`host ${mode} stats ${JSON.stringify(kp.stats)}\n`);
    void kp.close().finally(() => process.exit(0));
  });
}
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
server.keepAliveTimeout = 65_000;
