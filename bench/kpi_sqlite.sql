-- The KPI workload of `make bench` (see bench/kpi_funnel.lua for the
-- definitions) in SQLite: the three exports imported into typed tables of an
-- in-memory database, then one query. lead_id is the leads' INTEGER PRIMARY
-- KEY, as a SQL user would declare it, so the deal -> lead join is a rowid
-- lookup. Timestamps and dates are ISO 8601 text, compared as text.
--
-- Run from the leads folder: cd LEADS_DIR && sqlite3 :memory: < kpi_sqlite.sql
-- Prints "LOADED", then the answer as CSV between "BEGIN" and "END", with
-- the query's .timer line after it (bench/run.sh takes them apart).
.bail on
CREATE TABLE leads(lead_id INTEGER PRIMARY KEY, created_at TEXT, channel TEXT,
  campaign TEXT, country TEXT, persona_fit INTEGER, owner TEXT, stage TEXT,
  mql_at TEXT, sql_at TEXT);
CREATE TABLE deals(deal_id INTEGER, lead_id INTEGER, created_at TEXT,
  closed_at TEXT, status TEXT, amount REAL);
CREATE TABLE spend(date TEXT, channel TEXT, campaign TEXT, amount REAL);
.import --csv --skip 1 leads.csv leads
.import --csv --skip 1 deals.csv deals
.import --csv --skip 1 spend.csv spend
.print LOADED
.mode csv
.headers on
.print BEGIN
.timer on
WITH q_leads AS (
  SELECT channel, count(*) AS leads, sum(stage = 'customer') AS customers
  FROM leads
  WHERE created_at >= '2026-07-01' AND created_at < '2026-10-01'
  GROUP BY channel
), closed AS (
  SELECT l.channel, count(*) AS closed, sum(d.status = 'won') AS won,
         sum(CASE WHEN d.status = 'won' THEN d.amount END) AS won_amount
  FROM deals d JOIN leads l ON l.lead_id = d.lead_id
  WHERE d.status IN ('won', 'lost')
    AND d.closed_at >= '2026-07-01' AND d.closed_at < '2026-10-01'
  GROUP BY l.channel
), spent AS (
  SELECT channel, sum(amount) AS spend
  FROM spend
  WHERE date >= '2026-07-01' AND date < '2026-10-01'
  GROUP BY channel
)
SELECT q.channel, q.leads, q.customers,
       CAST(q.customers AS REAL) / q.leads AS conversion,
       c.closed, c.won, c.won_amount,
       CAST(c.won AS REAL) / c.closed AS win_rate,
       s.spend, s.spend / q.leads AS cost_per_lead
FROM q_leads q LEFT JOIN closed c USING (channel) LEFT JOIN spent s USING (channel)
ORDER BY q.channel;
.timer off
.print END
