import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { initORM } from '../../src/infra/orm.ts';
import { testConfig } from '../harness.ts';
import { makeKey, makeUser } from './fixtures.ts';
import { bootstrapOrganization } from '../../src/modules/bootstrap/bootstrap.service.ts';

/**
 * Apps sharing one ORM (`createApp(config, { orm })`, as the tests' servers and an embedding host
 * do): closing one leaves the database open for the others, and what an app hooked on the ORM
 * (the flush subscriber that teaches the key id filter new keys) goes with it instead of piling up.
 */
let orm: MikroORM;
beforeAll(async () => {
  orm = await initORM(testConfig().databaseAppUrl, { migrate: false });
});
afterAll(() => orm.close(true));

describe('apps sharing one ORM', () => {
  it('close leaves the ORM open, and only live apps hear of new keys, through one subscriber', async () => {
    const config = testConfig();
    const log = createLogger('silent');
    const subscribersBefore = orm.em.getEventManager().getSubscribers().size;
    const closed = [];
    for (let i = 0; i < 3; i++) {
      const app = await createApp(config, { orm, log });
      await app.close();
      closed.push(app);
    }
    const live = await createApp(config, { orm, log });
    try {
      expect(await orm.isConnected()).toBe(true);
      // One subscriber for the ORM, however many apps came and went.
      expect(orm.em.getEventManager().getSubscribers().size).toBe(subscribersBefore + 1);

      const fed = closed.map((app) => vi.spyOn(app.deps.verifier.filter!, 'add'));
      const org = await bootstrapOrganization(orm, config.pepper, `Shared ${Date.now()}`);
      const { userId } = await makeUser(orm, org.organizationId, ['keys:read']);
      const key = await makeKey(orm, config.pepper, { organizationId: org.organizationId, userId });
      expect(live.deps.verifier.filter!.mightExist(key.keyId)).toBe(true);
      // A closed app's filter is not fed any more (its listener left with it).
      for (const spy of fed) expect(spy).not.toHaveBeenCalled();
    } finally {
      await live.close();
    }
    expect(await orm.isConnected()).toBe(true);
  });
});
