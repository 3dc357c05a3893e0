import { createApp } from './app.ts';
import { createHttpServer } from './http/server.ts';
import { runProcess } from './infra/process.ts';

runProcess({
  graceMs: 15_000,
  stoppingMessage: 'shutting down',
  start: async (config, log) => {
    const app = await createApp(config, { log });
    const { server, close } = createHttpServer(app);
    server.listen(config.port, config.host, () => log.info({ port: config.port }, 'keyplane api listening'));
    return async () => {
      // Drain within the grace (15 s) minus time for the final usage flush and disconnects.
      await close(10_000);
      await app.close();
    };
  },
});
