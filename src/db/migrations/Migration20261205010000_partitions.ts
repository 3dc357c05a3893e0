import { Migration } from '@mikro-orm/migrations';

/**
 * The high-volume append-only tables become range-partitioned by time: verifications by day,
 * usage and credit buckets and the audit log by month (UTC). Retention drops whole partitions
 * (no DELETE, no vacuum debt); a worker creates partitions ahead of time. A DEFAULT partition
 * catches a row whose partition is missing (the worker down for months), so nothing is refused.
 *
 * Partitions are created and dropped by one SECURITY DEFINER function owned by the migration
 * role, so the runtime role needs neither ownership nor DDL rights: it may only call it, and the
 * function refuses to drop anything younger than the table's floor (audit: 30 days).
 */
export type PartitionedTableSpec = { name: string; column: string; pk: string; seq?: { column: string; sequence: string }; after: string };

const TABLES: PartitionedTableSpec[] = [
  {
    name: 'key_verification',
    column: 'at',
    pk: 'id, at',
    seq: { column: 'id', sequence: 'key_verification_id_seq' },
    after: `
create index key_verification_key_idx on key_verification(api_key_id, at desc, id desc);
create index key_verification_at_idx on key_verification(at);
alter table key_verification add foreign key (api_key_id) references api_key(id) on delete cascade deferrable initially deferred;
alter table key_verification add foreign key (organization_id) references organization(id) deferrable initially deferred;`,
  },
  {
    name: 'usage_bucket',
    column: 'minute',
    pk: 'api_key_id, minute, code',
    after: `
create index usage_bucket_org_idx on usage_bucket(organization_id, minute);
create index usage_bucket_minute_detail_idx on usage_bucket(minute) where date_part('minute', minute at time zone 'UTC') <> 0;
alter table usage_bucket add foreign key (api_key_id) references api_key(id) on delete cascade deferrable initially deferred;
alter table usage_bucket add foreign key (organization_id) references organization(id) deferrable initially deferred;`,
  },
  {
    name: 'credit_usage',
    column: 'minute',
    pk: 'api_key_id, minute, customer_id',
    after: `
create index credit_usage_customer_idx on credit_usage (customer_id, minute) where customer_id <> '';
alter table credit_usage add foreign key (api_key_id) references api_key(id) on delete cascade;
alter table credit_usage add foreign key (organization_id) references organization(id) on delete cascade;`,
  },
  {
    name: 'audit_entry',
    column: 'occurred_at',
    pk: 'seq, occurred_at',
    seq: { column: 'seq', sequence: 'audit_entry_seq_seq' },
    after: `
alter table audit_entry add unique (id, occurred_at);
create index audit_entry_org_idx on audit_entry(organization_id, seq);
create index audit_entry_target_idx on audit_entry(organization_id, target_id, seq);
create index audit_entry_actor_key_idx on audit_entry(organization_id, actor_key_id, seq);
alter table audit_entry add foreign key (organization_id) references organization(id) deferrable initially deferred;
create trigger audit_entry_no_update before update or delete on audit_entry
  for each row execute function audit_entry_append_only();
create trigger audit_entry_no_truncate before truncate on audit_entry
  for each statement execute function audit_entry_append_only();`,
  },
];

export class Migration20261205010000_partitions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table partition_policy (
  parent text primary key,
  column_name text not null,
  unit text not null check (unit in ('day', 'month')),
  -- Partitions kept ready beyond the current one.
  ahead int not null check (ahead between 1 and 60),
  -- Nothing younger than this is ever dropped, whatever the caller asks.
  min_keep_days int not null check (min_keep_days >= 1)
);
insert into partition_policy values
  ('key_verification', 'at', 'day', 7, 1),
  ('usage_bucket', 'minute', 'month', 3, 1),
  ('credit_usage', 'minute', 'month', 3, 1),
  ('audit_entry', 'occurred_at', 'month', 3, 30);

-- Creates the partitions from the one holding p_from (default: now) to \`ahead\` past now, and,
-- when p_keep_days is given, drops every partition wholly older than that many days.
create function keyplane_maintain_partitions(p_parent text, p_keep_days int default null, p_from timestamptz default null)
returns table (created int, dropped int)
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  spec partition_policy;
  step interval;
  fmt text;
  lo timestamptz;
  hi timestamptz;
  last_lo timestamptz;
  part text;
  keep int;
  r record;
  n_created int := 0;
  n_dropped int := 0;
begin
  select * into spec from partition_policy where parent = p_parent;
  if not found then raise exception 'no partition policy for %', p_parent using errcode = 'invalid_parameter_value'; end if;
  step := case spec.unit when 'day' then interval '1 day' else interval '1 month' end;
  fmt := case spec.unit when 'day' then 'YYYYMMDD' else 'YYYYMM' end;
  lo := date_trunc(spec.unit, coalesce(least(p_from, now()), now()) at time zone 'UTC') at time zone 'UTC';
  last_lo := date_trunc(spec.unit, now() at time zone 'UTC') at time zone 'UTC' + step * spec.ahead;
  while lo <= last_lo loop
    hi := lo + step;
    part := format('%s_p%s', spec.parent, to_char(lo at time zone 'UTC', fmt));
    if to_regclass(part) is null then
      begin
        execute format('create table %I partition of %I for values from (%L) to (%L)', part, spec.parent, lo, hi);
        n_created := n_created + 1;
      exception when check_violation then
        -- Rows of this range already sit in the default partition (no worker ran for a while):
        -- the partition is left to the next pass after an operator moves them; say so.
        raise warning 'partition % not created: rows of its range are in %_default', part, spec.parent;
      end;
    end if;
    lo := hi;
  end loop;

  keep := greatest(coalesce(p_keep_days, 0), 0);
  if keep > 0 then
    keep := greatest(keep, spec.min_keep_days);
    for r in
      select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
       where p.relname = spec.parent and c.relname ~ ('^' || spec.parent || '_p[0-9]+$')
    loop
      lo := (to_char(to_timestamp(substring(r.relname from '_p([0-9]+)$'), fmt), 'YYYY-MM-DD') || ' 00:00:00+00')::timestamptz;
      if lo + step <= now() - make_interval(days => keep) then
        execute format('drop table %I', r.relname);
        n_dropped := n_dropped + 1;
      end if;
    end loop;
    -- Rows that fell into the default partition (a range with no partition yet) age out too;
    -- the audit log's stay (it refuses every DELETE), for an operator to move.
    if spec.parent <> 'audit_entry' then
      execute format('delete from %I where %I < %L', spec.parent || '_default', spec.column_name, now() - make_interval(days => keep));
    end if;
  end if;
  created := n_created;
  dropped := n_dropped;
  return next;
end $$;
revoke all on function keyplane_maintain_partitions(text, int, timestamptz) from public;
`);
    for (const t of TABLES) this.addSql(partitionSql(t));
  }

  override async down(): Promise<void> {
    for (const t of TABLES) this.addSql(unpartitionSql(t));
    this.addSql('drop function if exists keyplane_maintain_partitions(text, int, timestamptz); drop table if exists partition_policy;');
  }
}

/** Turns a table into a range-partitioned one of the same columns, its rows copied, then `after` (keys, indexes, triggers). */
export function partitionSql(t: PartitionedTableSpec): string {
  return `
alter table ${t.name} rename to ${t.name}_unpartitioned;
create table ${t.name} (like ${t.name}_unpartitioned including defaults including constraints) partition by range (${t.column});
create table ${t.name}_default partition of ${t.name} default;
select keyplane_maintain_partitions('${t.name}', null, (select min(${t.column}) from ${t.name}_unpartitioned));
insert into ${t.name} select * from ${t.name}_unpartitioned;
${t.seq ? `alter sequence ${t.seq.sequence} owned by ${t.name}.${t.seq.column};` : ''}
drop table ${t.name}_unpartitioned cascade;
alter table ${t.name} add primary key (${t.pk});
${t.after}
`;
}

/** The way back: a plain table of the same columns and rows (keys and indexes are the earlier migrations' to restore). */
export function unpartitionSql(t: PartitionedTableSpec): string {
  return `
create table ${t.name}_flat (like ${t.name} including defaults including constraints);
insert into ${t.name}_flat select * from ${t.name};
${t.seq ? `alter sequence ${t.seq.sequence} owned by ${t.name}_flat.${t.seq.column};` : ''}
drop table ${t.name} cascade;
alter table ${t.name}_flat rename to ${t.name};
`;
}
