// Compares funnel-lua's answers with DuckDB's on CRM exports generated here
// with a fresh seed each run (printed, so a failure can be replayed with
// SEED=n): accented names in composed (NFC) and decomposed (NFD) forms,
// quoted commas, quotes and newlines, CRLF line ends, empty fields,
// timestamps with UTC offsets. Each query is written once in SQL and once
// with the Lua API; the result tables must match cell by cell (numbers to
// 1e-9 relative).
//
// usage: node tests/duckdb/check.mjs ./funnel-lua WORKDIR
import { compareCases } from './compare.mjs';
import fs from 'node:fs';
import path from 'node:path';

const [bin, work] = process.argv.slice(2);
const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 1e9));
const dataDir = path.join(work, 'data');
fs.mkdirSync(dataDir, { recursive: true });

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
const owners = ['José Álvarez', 'Zoé Lefèvre', 'Søren Østergaard', 'Iñaki Muñoz',
  'Ana', 'Émile Zola', 'zoe', 'Zoe', '李雷', 'O\'Brien, Pat'];
const form = (s) => (rand() < 0.5 ? s.normalize('NFC') : s.normalize('NFD'));
const channels = ['SEO', 'Paid search', 'LinkedIn ads', 'Webinar', 'Referral', 'Event'];
const statuses = ['open', 'won', 'lost'];
const notes = ['', 'call back, maybe', 'said "not now"', 'line one\r\nline two', 'ok'];
function csvField(s) {
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
function pad(n) { return String(n).padStart(2, '0'); }
function ts() {
  const d = new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 360 * 86400) * 1000);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return base + pick(['Z', 'Z', '+02:00', '-05:00']);
}
const nDeals = 500 + Math.floor(rand() * 1500);
let deals = 'deal_id,owner,channel,status,amount,created_at,note\r\n';
for (let i = 1; i <= nDeals; i++) {
  const amount = rand() < 0.1 ? '' : (Math.floor(rand() * 500000) / 100).toFixed(2);
  const owner = rand() < 0.05 ? '' : form(pick(owners));
  deals += [i, csvField(owner), pick(channels), pick(statuses), amount, ts(),
    csvField(pick(notes))].join(',') + '\r\n';
  if (rand() < 0.02) deals += '\r\n'; // blank lines are skipped
}
fs.writeFileSync(path.join(dataDir, 'deals.csv'), deals);
let reps = 'owner,team,quota\n';
for (const o of owners) {
  if (rand() < 0.15) continue; // some owners have no rep row
  const copies = rand() < 0.2 ? 2 : 1; // and some have two
  for (let c = 0; c < copies; c++)
    reps += [csvField(form(o)), pick(['emea', 'latam', 'na']), Math.floor(rand() * 9000)].join(',') + '\n';
}
fs.writeFileSync(path.join(dataDir, 'reps.csv'), reps);

// ---- queries -------------------------------------------------------------
// DuckDB does not normalize text: the SQL applies nfc_normalize where
// funnel-lua's loader does it. Timestamps are compared as funnel-lua prints
// them. Result columns are matched by name.
const D = `read_csv('${dataDir}/deals.csv', header = true)`;
const R = `read_csv('${dataDir}/reps.csv', header = true)`;
const deal = `(select deal_id, nfc_normalize(owner) as owner, channel, status, amount,
  created_at::timestamptz as created_at, note from ${D})`;
const rep = `(select nfc_normalize(owner) as owner, team, quota from ${R})`;
const queries = [
  {
    name: 'group by owner',
    sql: `select owner, count(*) as n, sum(amount) as total, avg(amount) as mean,
          min(amount) as lo, max(amount) as hi, median(amount) as med
          from ${deal} group by owner order by owner nulls last`,
    lua: `funnel.data.deals:group_by("owner"):agg{ n = funnel.count(), total = funnel.sum("amount"),
          mean = funnel.mean("amount"), lo = funnel.min("amount"), hi = funnel.max("amount"),
          med = funnel.median("amount") }:print()`,
  },
  {
    name: 'filter then group by channel',
    sql: `select channel, count(*) as n, sum(amount) as total from ${deal}
          where status = 'won' and amount > 1000 group by channel order by channel`,
    lua: `local c = funnel.col
          funnel.data.deals:where(c"status":eq"won" & c"amount":gt(1000))
            :group_by("channel"):agg{ n = funnel.count(), total = funnel.sum("amount") }:print()`,
  },
  {
    name: 'inner join by team',
    sql: `select team, count(*) as n, sum(amount) as total from ${deal} d join ${rep} r
          on d.owner = r.owner group by team order by team`,
    lua: `funnel.data.deals:join(funnel.data.reps, "owner")
            :group_by("team"):agg{ n = funnel.count(), total = funnel.sum("amount") }:print()`,
  },
  {
    name: 'left join keeps every deal',
    sql: `select team, count(*) as n, count(quota) as with_quota from ${deal} d left join ${rep} r
          on d.owner = r.owner group by team order by team nulls last`,
    lua: `funnel.data.deals:join(funnel.data.reps, "owner", { how = "left" })
            :group_by("team"):agg{ n = funnel.count(), with_quota = funnel.count("quota") }:print()`,
  },
  {
    name: 'month buckets',
    sql: `select strftime(date_trunc('month', created_at), '%Y-%m-%d') as month, count(*) as n,
          sum(amount) as total, stddev_samp(amount) as sd, quantile_cont(amount, 0.9) as p90
          from ${deal} group by 1 order by 1`,
    lua: `funnel.data.deals:group_by{ month = funnel.month"created_at" }:agg{ n = funnel.count(),
          total = funnel.sum("amount"), sd = funnel.stddev("amount"),
          p90 = funnel.quantile("amount", 0.9) }:print()`,
  },
  {
    name: 'ISO week buckets with count distinct',
    sql: `select strftime(date_trunc('week', created_at), '%Y-%m-%d') as week,
          count(distinct owner) as owners, count(*) as n from ${deal}
          where created_at >= '2026-03-01' and created_at < '2026-06-01' group by 1 order by 1`,
    lua: `local c = funnel.col
          funnel.data.deals:where(c"created_at":ge("2026-03-01") & c"created_at":lt("2026-06-01"))
            :group_by{ week = funnel.week"created_at" }
            :agg{ owners = funnel.count_distinct("owner"), n = funnel.count() }:print()`,
  },
  {
    name: 'isin, is_null and arithmetic',
    sql: `select status, count(*) filter (where owner is null) as no_owner,
          sum(amount * 1.2) as gross, count(*) as n from ${deal}
          where channel in ('SEO', 'Referral', 'Event') group by status order by status`,
    lua: `local c = funnel.col
          funnel.data.deals:where(c"channel":isin{ "SEO", "Referral", "Event" })
            :group_by("status"):agg{ no_owner = funnel.count_if(c"owner":is_null()),
              gross = funnel.sum(c"amount" * 1.2), n = funnel.count() }:print()`,
  },
  {
    name: 'sort with nulls last and ties in input order',
    sql: `select deal_id, amount from ${deal} where channel = 'Webinar'
          order by amount desc nulls last, deal_id limit 40`,
    lua: `funnel.data.deals:where(funnel.col"channel":eq"Webinar"):sort("amount", "desc")
            :select("deal_id", "amount"):head(40):print()`,
  },
];

// ---- compare -------------------------------------------------------------
const failed = await compareCases({ bin, dataDir, work, seed, label: 'duckdb', cases: queries, showCode: false });
process.exit(failed ? 1 : 0);
