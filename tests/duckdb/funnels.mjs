// Compares funnel.funnel and funnel.cohorts with the same definitions written
// in SQL (DuckDB), on CRM events generated here with a fresh seed each run
// (printed, so a failure can be replayed with SEED=n). The data is made to
// hit the corners of lua-api.md "Funnels and cohorts": a created_at column
// mixing dates and timestamps (with UTC offsets), null keys and times,
// several step-1 rows per lead (also at the same instant with different
// channels), keys that appear in later steps but not in the first, events
// before the lead was created, events exactly on a window's edge, string
// keys in NFC and NFD forms, steps that mix date and timestamp columns.
//
// The SQL below is the specification turned into queries, independently of
// engine/fl_funnel.c:
//   - a key's step-1 time t1 is its earliest step-1 time; its breakdown value
//     comes from that row, ties broken by the row's order in the file (seq);
//   - ordered: step i is the earliest step-i time >= step i-1's time and
//     <= t1 + window; any: a step-i time in [t1, t1 + window], given step i-1;
//   - median_days/p90_days: quantile_cont (linear interpolation between the
//     closest ranks) of (t_i - t_{i-1}) in days over the keys reaching step i;
//   - cohorts: the bucket of the key's earliest `first` time; active in
//     period p when an `again` event falls p buckets later (p = 0..periods).
// Every cell is compared: counts exactly, other numbers to 1e-9 relative.
//
// usage: node tests/duckdb/funnels.mjs ./funnel-lua WORKDIR
import { compareCases } from './compare.mjs';
import fs from 'node:fs';
import path from 'node:path';

const [bin, work] = process.argv.slice(2);
const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 1e9));
const dataDir = path.join(work, 'funnel-data');
fs.mkdirSync(dataDir, { recursive: true });
console.log(`funnels: SEED=${seed}`);

// ---- data --------------------------------------------------------------
let state = BigInt(seed) + 0x9e3779b97f4a7c15n;
function rand() { // splitmix64 -> [0, 1)
  state = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  let z = state;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  z = z ^ (z >> 31n);
  return Number(z >> 11n) / 2 ** 53;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const pad = (n) => String(n).padStart(2, '0');
const HOUR = 3600 * 1000, DAY = 24 * HOUR;
function dateText(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
// A timestamp, written in UTC or with an offset (the same instant).
function tsText(ms) {
  const off = pick([0, 0, 120, -300]);
  const d = new Date(ms + off * 60000);
  const base = `${dateText(ms + off * 60000)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (off === 0) return base + 'Z';
  const a = Math.abs(off);
  return base + (off > 0 ? '+' : '-') + pad(Math.floor(a / 60)) + ':' + pad(a % 60);
}
// An offset from a lead's creation: whole hours (so that events land
// exactly on a 12h or 30d window edge now and then) or any second.
function offset(maxDays) {
  if (rand() < 0.3) return Math.floor((rand() * 1.1 - 0.1) * maxDays * 24) * HOUR;
  return Math.floor((rand() * 1.1 - 0.1) * maxDays * 86400) * 1000;
}
const ref = (id) => (rand() < 0.5 ? 'réf-' : 're\u0301f-') + id; // NFC or NFD
const channels = ['SEO', 'Paid search', 'Webinar', 'Référral', 'Event'];
const types = ['visit', 'demo_request', 'demo', 'call', 'email'];

const nLeads = 300 + Math.floor(rand() * 900);
const start = Date.UTC(2026, 0, 1);
const base = []; // per id: the lead's creation (also for ids with no lead row)
for (let id = 1; id <= nLeads * 1.1; id++) base[id] = start + Math.floor(rand() * 240 * 86400) * 1000;
const nullable = (p, s) => (rand() < p ? '' : s);

let seq = 0;
let leads = 'seq,lead_id,ref,created_at,channel\n';
for (let id = 1; id <= nLeads; id++) {
  if (rand() < 0.05) continue; // this id only has later events
  const copies = rand() < 0.75 ? 1 : rand() < 0.7 ? 2 : 3;
  for (let c = 0; c < copies; c++) {
    // a later copy is often at the very same instant (a tie between channels)
    const ms = c === 0 || rand() < 0.4 ? base[id] : base[id] + offset(20);
    const when = rand() < 0.3 ? dateText(ms) : tsText(ms);
    leads += [++seq, nullable(0.02, id), ref(id), nullable(0.04, when),
      nullable(0.05, pick(channels))].join(',') + '\n';
  }
}
fs.writeFileSync(path.join(dataDir, 'leads.csv'), leads);

seq = 0;
let acts = 'seq,lead_id,ref,at,type\n';
for (let id = 1; id < base.length; id++) {
  const n = Math.floor(rand() * 9);
  for (let e = 0; e < n; e++) {
    const ms = base[id] + (rand() < 0.5 ? offset(2) : offset(60));
    acts += [++seq, nullable(0.02, id), ref(id), nullable(0.03, tsText(ms)), pick(types)].join(',') + '\n';
  }
}
fs.writeFileSync(path.join(dataDir, 'activities.csv'), acts);

seq = 0;
let deals = 'seq,lead_id,ref,status,closed_at\n';
for (let id = 1; id < base.length; id++) {
  const n = rand() < 0.5 ? 0 : Math.floor(rand() * 4);
  for (let e = 0; e < n; e++) {
    const ms = base[id] + Math.floor((rand() * 1.1 - 0.05) * 200) * DAY;
    deals += [++seq, nullable(0.02, id), ref(id), pick(['won', 'won', 'lost', 'open']),
      nullable(0.05, dateText(ms))].join(',') + '\n';
  }
}
fs.writeFileSync(path.join(dataDir, 'deals.csv'), deals);

// ---- the step tables, in Lua and in SQL -----------------------------------
// Each source gives, in SQL, ts (timestamptz), seq and every column used as
// a key or breakdown. Times in SQL are microseconds since the epoch.
const csv = (f) => `read_csv('${dataDir}/${f}.csv', header = true, all_varchar = true)`;
const L = `(select seq::int as seq, lead_id::bigint as lead_id, nfc_normalize(ref) as ref,
  created_at::timestamptz as ts, channel from ${csv('leads')})`;
const A = `(select seq::int as seq, lead_id::bigint as lead_id, nfc_normalize(ref) as ref,
  "at"::timestamptz as ts, type from ${csv('activities')})`;
const D = `(select seq::int as seq, lead_id::bigint as lead_id, nfc_normalize(ref) as ref,
  closed_at::date::timestamptz as ts, status from ${csv('deals')})`;
const SRC = {
  lead: { lua: 'd.leads', time: 'created_at', sql: L },
  lead_march: { lua: 'd.leads:where(col"created_at":ge"2026-03-01")', time: 'created_at',
    sql: `(select * from ${L} where ts >= '2026-03-01')` },
  any_activity: { lua: 'd.activities', time: 'at', sql: A },
  won: { lua: 'd.deals:where(col"status":eq"won")', time: 'closed_at',
    sql: `(select * from ${D} where status = 'won')` },
};
for (const t of types)
  SRC[t] = { lua: `d.activities:where(col"type":eq"${t}")`, time: 'at',
    sql: `(select * from ${A} where type = '${t}')` };

const US = { h: 3600e6, d: 86400e6, w: 7 * 86400e6 };
const windowUs = (w) => Number(w.slice(0, -1)) * US[w.slice(-1)];

function funnelLua(def) {
  const steps = def.steps.map((s) =>
    `{ name = "${s}", ${SRC[s].lua}, time = "${SRC[s].time}" }`).join(',\n    ');
  return `local d, col = funnel.data, funnel.col
funnel.funnel{ key = "${def.key}",${def.window ? ` window = "${def.window}",` : ''}
  order = "${def.any ? 'any' : 'ordered'}",${def.by ? ` by = "${def.by}",` : ''}
  steps = { ${steps} } }:print()`;
}

function funnelSql(def) {
  const k = def.key, n = def.steps.length;
  const src = (i) => SRC[def.steps[i - 1]].sql;
  const win = def.window ? ` and e.t <= f.t1 + ${windowUs(def.window)}` : '';
  const ctes = [
    // step 1: each key's earliest time, and the breakdown of that row
    `f as (select k, t as t1, b from (
       select ${k} as k, epoch_us(ts) as t, ${def.by ? def.by : 'null'} as b,
              row_number() over (partition by ${k} order by epoch_us(ts), seq) as rn
       from ${src(1)} where ${k} is not null and ts is not null) where rn = 1)`,
    `r1 as (select k, t1 as t from f)`,
  ];
  for (let i = 2; i <= n; i++) {
    ctes.push(`e${i} as (select ${k} as k, epoch_us(ts) as t from ${src(i)}
                 where ${k} is not null and ts is not null)`);
    ctes.push(`r${i} as (select p.k, min(e.t) as t from r${i - 1} p join f on f.k = p.k
                 join e${i} e on e.k = p.k and e.t >= ${def.any ? 'f.t1' : 'p.t'}${win}
                 group by p.k)`);
  }
  const per = [];
  for (let i = 1; i <= n; i++) {
    const timed = i > 1 && !def.any;
    const days = `(r${i}.t - r${i - 1}.t) / 86400e6`;
    per.push(`select f.b, ${i} as step, count(*) as cnt,
      ${timed ? `quantile_cont(${days}, 0.5)` : 'null::double'} as med,
      ${timed ? `quantile_cont(${days}, 0.9)` : 'null::double'} as p90
      from r${i} join f on f.k = r${i}.k ${timed ? `join r${i - 1} on r${i - 1}.k = r${i}.k` : ''}
      group by f.b`);
  }
  const names = def.steps.map((s, i) => `(${i + 1}, '${s}')`).join(', ');
  ctes.push(`per as (${per.join('\nunion all\n')})`);
  ctes.push(`g as (${def.by ? 'select distinct b from f' : 'select null as b'})`);
  ctes.push(`grid as (select g.b, st.step, st.name, coalesce(per.cnt, 0) as cnt, per.med, per.p90
      from g cross join (values ${names}) st(step, name)
      left join per on per.b is not distinct from g.b and per.step = st.step)`);
  return `with ${ctes.join(',\n')}
    select ${def.by ? `b as ${def.by}, ` : ''}step, name, cnt as count,
      cnt / max(cnt) filter (where step = 1) over (partition by b) as conversion,
      case when step = 1 then 1.0
           when lag(cnt) over (partition by b order by step) = 0 then null
           else cnt / lag(cnt) over (partition by b order by step) end as step_conversion,
      med as median_days, p90 as p90_days
    from grid order by b nulls last, step`;
}

function cohortsLua(def) {
  const part = (s) => `{ ${SRC[s].lua}, time = "${SRC[s].time}" }`;
  return `local d, col = funnel.data, funnel.col
funnel.cohorts{ key = "${def.key}", period = "${def.period}", periods = ${def.periods},
  first = ${part(def.first)}, again = ${part(def.again)} }:print()`;
}

function cohortsSql(def) {
  const k = def.key;
  // consecutive buckets have consecutive indices (2000-01-03 is a Monday)
  const idx = (b) => (def.period === 'month' ? `(year(${b}) * 12 + month(${b}))`
    : `(date_diff('day', date '2000-01-03', ${b}) // 7)`);
  return `with fs as (select ${k} as k, min(ts) as tf from ${SRC[def.first].sql}
                 where ${k} is not null and ts is not null group by ${k}),
    c as (select k, date_trunc('${def.period}', tf)::date as cohort from fs),
    a as (select distinct c.k, c.cohort,
            ${idx(`date_trunc('${def.period}', e.ts)::date`)} - ${idx('c.cohort')} as p
          from c join ${SRC[def.again].sql} e on e.${k} = c.k where e.ts is not null),
    act as (select cohort, p, count(*) as cnt from a group by cohort, p),
    sizes as (select cohort, count(*) as size from c group by cohort)
    select strftime(s.cohort, '%Y-%m-%d') as cohort, s.size, r.p as period,
      coalesce(act.cnt, 0) as active, coalesce(act.cnt, 0) / s.size as rate
    from sizes s cross join range(0, ${def.periods + 1}) r(p)
    left join act on act.cohort = s.cohort and act.p = r.p
    order by s.cohort, r.p`;
}

const cases = [
  { name: 'ordered, 30d window', key: 'lead_id', window: '30d',
    steps: ['lead', 'demo_request', 'demo', 'won'] },
  { name: 'ordered, 12h window', key: 'lead_id', window: '12h', steps: ['lead', 'visit', 'demo_request'] },
  { name: 'ordered, no window', key: 'lead_id', steps: ['lead', 'demo', 'call', 'won'] },
  { name: 'ordered, 2w window, by channel', key: 'lead_id', window: '2w', by: 'channel',
    steps: ['lead', 'visit', 'demo', 'email'] },
  { name: 'ordered, filtered first step, by channel, string keys', key: 'ref', window: '30d',
    by: 'channel', steps: ['lead_march', 'demo_request', 'demo'] },
  { name: 'ordered, one event table, by type of the first event', key: 'lead_id', window: '12h',
    by: 'type', steps: ['any_activity', 'demo', 'call'] },
  { name: 'any order, 30d window', key: 'lead_id', window: '30d', any: true,
    steps: ['lead', 'demo', 'demo_request', 'won'] },
  { name: 'any order, no window, by channel', key: 'ref', any: true, by: 'channel',
    steps: ['lead', 'call', 'visit', 'won'] },
].map((c) => ({ ...c, lua: funnelLua(c), sql: funnelSql(c) }));
for (const c of [
  { name: 'cohorts by month: won deals, again', key: 'lead_id', period: 'month', periods: 6,
    first: 'won', again: 'won' },
  { name: 'cohorts by week: first demo, any activity after', key: 'ref', period: 'week', periods: 8,
    first: 'demo', again: 'any_activity' },
  { name: 'cohorts by month: leads (dates and timestamps), deals closed', key: 'lead_id',
    period: 'month', periods: 3, first: 'lead', again: 'won' },
]) cases.push({ ...c, lua: cohortsLua(c), sql: cohortsSql(c) });

// ---- compare -------------------------------------------------------------
const failed = await compareCases({ bin, dataDir, work, seed, label: 'duckdb funnels', cases: cases, showCode: true });
process.exit(failed ? 1 : 0);
