import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('webhook and worker configuration', () => {
  it('reads the retry schedule and the failure window, with the Standard Webhooks defaults', () => {
    const defaults = loadConfig({});
    expect(defaults.webhookRetryScheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(defaults.webhookDisableAfterMs).toBe(5 * 24 * 3_600_000);
    expect(defaults.webhookTimeoutMs).toBe(15_000);
    const custom = loadConfig({ KEYPLANE_WEBHOOK_RETRY_SCHEDULE: '250ms, 2s,1m,3h', KEYPLANE_WEBHOOK_DISABLE_AFTER_HOURS: '0.5' });
    expect(custom.webhookRetryScheduleMs).toEqual([250, 2_000, 60_000, 10_800_000]);
    expect(custom.webhookDisableAfterMs).toBe(1_800_000);
  });

  it.each([
    ['KEYPLANE_WEBHOOK_RETRY_SCHEDULE', 'soon'],
    ['KEYPLANE_WEBHOOK_RETRY_SCHEDULE', '5s,,5m'],
    ['KEYPLANE_WEBHOOK_RETRY_SCHEDULE', '25h'],
    ['KEYPLANE_WEBHOOK_DISABLE_AFTER_HOURS', '0'],
    ['KEYPLANE_WEBHOOK_TIMEOUT_SECONDS', '31'],
    ['KEYPLANE_OUTBOX_BATCH_SIZE', '0'],
    ['KEYPLANE_WORKERS_HEALTH_PORT', '70000'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
