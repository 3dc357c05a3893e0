import { createApp } from './app.ts';
import { createHttpServer } from './http/server.ts';
import { runProcess } from './infra/process.ts';

runProcess({
  graceMs: 15_000,
  stoppingMessage: 'shutting down',
  start: async (config, log) => {
    const app = await createApp(config, { log });
    const { server, close } = createHttpServer(app);
    server.listen(config.port, config.host, () => {
      const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
      log.info(
        { port: config.port, graphql: `${base}/graphql`, console: `${base}/console`, openapi: `${base}/openapi.json` },
        `keyplane api listening on ${base}`,
      );
    });
    return async () => {
      // Drain within the grace (15 s) minus time for the final usage flush and disconnects.
      await close(10_000);
      await app.close();
    };
  },
});
