// DuckDB side of `make bench`: loads the G1 file and runs db-benchmark's
// groupby questions q1..q10 with the SQL of the db-benchmark DuckDB solution
// (duckdb/groupby-duckdb.R in h2oai/db-benchmark: each answer is a
// `CREATE TABLE ans AS SELECT ...`, timed, then dropped).
//
// Load: `CREATE TABLE x AS SELECT * FROM read_csv('FILE')` (the type
// detection a user gets by default: VARCHAR ids, BIGINT ints, DOUBLE v3).
// DuckDB uses every core (2 here) as it does by default.
//
// Prints one line per timed run, "TIME duckdb <task> <seconds>", then
// "PEAK duckdb <kilobytes>" (the node process's maximum resident set, which
// includes node itself, about 50 MB). Writes each answer, sorted by all its
// columns, to ANSWERS/duckdb_qN.csv for the equality check.
//
// usage: node bench/duckdb_bench.mjs G1_FILE ANSWERS_DIR [RUNS]
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const [file, answers, runsArg] = process.argv.slice(2);
if (!file || !answers) {
  console.error('usage: node duckdb_bench.mjs G1_FILE ANSWERS_DIR [RUNS]');
  process.exit(2);
}
const runs = Math.max(1, Number(runsArg ?? 3));
fs.mkdirSync(answers, { recursive: true });
const sq = (s) => "'" + s.replace(/'/g, "''") + "'";

const questions = [
  ['q1', 'SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1', 'id1'],
  ['q2', 'SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2', 'id1, id2'],
  ['q3', 'SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3', 'id3'],
  ['q4', 'SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4', 'id4'],
  ['q5', 'SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6', 'id6'],
  ['q6', 'SELECT id4, id5, quantile_cont(v3, 0.5) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5', 'id4, id5'],
  ['q7', 'SELECT id3, max(v1)-min(v2) AS range_v1_v2 FROM x GROUP BY id3', 'id3'],
  ['q8', 'SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2', 'id6, largest2_v3 DESC'],
  ['q9', 'SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4', 'id2, id4'],
  ['q10', 'SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6', 'id1, id2, id3, id4, id5, id6'],
];

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
const version = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
console.log(`# duckdb ${version}, threads ${(await con.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]}`);

async function timed(sql) {
  const t0 = process.hrtime.bigint();
  await con.run(sql);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

for (let r = 0; r < runs; r++) {
  await con.run('DROP TABLE IF EXISTS x');
  const s = await timed(`CREATE TABLE x AS SELECT * FROM read_csv(${sq(file)})`);
  console.log(`TIME duckdb load ${s.toFixed(6)}`);
}
const rows = (await con.runAndReadAll('SELECT count(*) FROM x')).getRows()[0][0];
console.log(`# duckdb loaded ${rows} rows`);

for (const [name, sql, order] of questions) {
  for (let r = 0; r < runs; r++) {
    await con.run('DROP TABLE IF EXISTS ans');
    const s = await timed(`CREATE TABLE ans AS ${sql}`);
    console.log(`TIME duckdb ${name} ${s.toFixed(6)}`);
  }
  const out = path.join(answers, `duckdb_${name}.csv`);
  await con.run(`COPY (SELECT * FROM ans ORDER BY ${order}) TO ${sq(out)} (HEADER, DELIMITER ',')`);
  await con.run('DROP TABLE ans');
}
console.log(`PEAK duckdb ${process.resourceUsage().maxRSS}`);
