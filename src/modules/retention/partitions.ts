import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config/config.ts';

/** The time-partitioned append-only tables and the setting that bounds each one's retention. */
export const PARTITIONED_TABLES = ['key_verification', 'usage_bucket', 'credit_usage', 'audit_entry', 'delivery_attempt', 'delivery', 'event'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

type RetentionConfig = Pick<Config, 'verificationRetentionDays' | 'usageRetentionDays' | 'auditRetentionDays' | 'eventRetentionDays'>;

/** Days a table keeps (null: for ever). */
export function retentionDays(config: RetentionConfig, table: PartitionedTable): number | null {
  const days =
    table === 'key_verification'
      ? config.verificationRetentionDays
      : table === 'audit_entry'
        ? config.auditRetentionDays
        : table === 'usage_bucket' || table === 'credit_usage'
          ? config.usageRetentionDays
          : config.eventRetentionDays; // events with their deliveries and attempts
  return days > 0 ? days : null;
}

export type PartitionPass = { table: PartitionedTable; created: number; dropped: number };

/**
 * One maintenance pass over every partitioned table: partitions created ahead of time (days or
 * months, per table), and those wholly past their retention dropped (a DROP TABLE: instant, no
 * dead rows). Runs through `keyplane_maintain_partitions`, which the migration role owns: the
 * runtime role may call it but cannot drop a table or shorten the audit log's floor itself.
 * Idempotent; safe in several processes at once (DDL takes its locks).
 */
export async function maintainPartitions(orm: MikroORM, config: RetentionConfig): Promise<PartitionPass[]> {
  const conn = orm.em.fork().getConnection();
  const out: PartitionPass[] = [];
  for (const table of PARTITIONED_TABLES) {
    const [row] = await conn.execute<{ created: number; dropped: number }[]>('select created, dropped from keyplane_maintain_partitions(?, ?)', [
      table,
      retentionDays(config, table),
    ]);
    out.push({ table, created: row?.created ?? 0, dropped: row?.dropped ?? 0 });
  }
  return out;
}
