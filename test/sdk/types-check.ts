// Compiled by `tsc` (not run): the README's usage type-checks without casts on each framework.
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createKeyplane } from '../../sdk/src/index.ts';
import { requireKey as expressKey } from '../../sdk/src/middleware/express.ts';
import { requireKey as fastifyKey } from '../../sdk/src/middleware/fastify.ts';
import { requireKey as honoKey, type KeyplaneVariables } from '../../sdk/src/middleware/hono.ts';

const kp = createKeyplane({ url: 'http://127.0.0.1:4000', token: 'kp_sk_x' });
express().get(
  '/invoices/:id',
  expressKey(kp, { permission: 'invoices:read', resource: (req) => req.params.id }),
  (req, res) => void res.json({ by: req.keyplane?.apiKey?.name }),
);
const f = Fastify();
f.get<{ Params: { id: string } }>(
  '/invoices/:id',
  fastifyKey(kp, { permission: 'invoices:read', resource: (req) => (req.params as { id: string }).id }),
  async (req) => ({ by: (req as { keyplane?: { code: string } }).keyplane?.code }),
);
const h = new Hono<{ Variables: KeyplaneVariables }>();
h.get('/invoices/:id', honoKey(kp, { permission: 'invoices:read', resource: (c) => c.req.param('id') }), (c) => c.json({ by: c.get('keyplane').apiKey?.name }));
