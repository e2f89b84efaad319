// The comparison both DuckDB checks share: each case's SQL runs in DuckDB
// and its Lua in funnel-lua (--format csv); the two CSV results must have
// the same rows, the same columns (by name) and equal cells (numbers to 1e-9 relative,
// strings after NFC). Prints one line per case and "LABEL: N passed, N
// failed"; returns the number failed.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function same(a, b) {
  if (a === b) return true;
  const x = Number(a), y = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(x) && !Number.isNaN(y))
    return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  return a.normalize('NFC') === b.normalize('NFC');
}

// cases: [{ name, sql, lua }]; showCode: print the Lua and SQL of a failure.
export async function compareCases({ bin, dataDir, work, seed, label, cases, showCode = false }) {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await con.run(`SET TimeZone = 'UTC'`);
  let failed = 0, passed = 0;
  for (const q of cases) {
    const out = path.join(work, `${label.replace(/\W+/g, '-')}.csv`);
    await con.run(`COPY (${q.sql}) TO '${out}' (HEADER, DELIMITER ',')`);
    const want = parseCsv(fs.readFileSync(out, 'utf8'));
    let got;
    try {
      got = parseCsv(execFileSync(bin, ['-e', q.lua, '--data', dataDir, '--format', 'csv'],
        { encoding: 'utf8' }));
    } catch (e) {
      console.log(`FAIL ${q.name}: funnel-lua failed: ${e.stderr || e.message}`);
      failed++;
      continue;
    }
    const problems = [];
    if (got.length !== want.length) problems.push(`${got.length - 1} rows, DuckDB has ${want.length - 1}`);
    // columns by name, in any order (Lua's {name = agg} tables order them by name)
    if ([...got[0]].sort().join() !== [...want[0]].sort().join())
      problems.push(`columns ${got[0]}, DuckDB has ${want[0]}`);
    for (const name of want[0]) {
      const gi = got[0].indexOf(name), wi = want[0].indexOf(name);
      if (gi < 0) continue;
      for (let r = 1; r < Math.min(got.length, want.length) && problems.length < 6; r++)
        if (!same(got[r][gi], want[r][wi]))
          problems.push(`row ${r} ${name}: funnel-lua '${got[r][gi]}', DuckDB '${want[r][wi]}'`);
    }
    if (problems.length) {
      failed++;
      console.log(`FAIL ${q.name} (SEED=${seed}):\n  ` + problems.join('\n  ') +
        (showCode ? `\n  Lua:\n${q.lua}\n  SQL:\n${q.sql}` : ''));
    } else {
      passed++;
      console.log(`ok   ${q.name} (${want.length - 1} rows)`);
    }
  }
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  return failed;
}
