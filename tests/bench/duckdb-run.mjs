// Runs tests/bench/duckdb.sql on a data folder with @duckdb/node-api and
// prints how many result rows each query gave.  Timing and peak memory are
// measured from outside (run-bench uses /usr/bin/time).
//   node duckdb-run.mjs SQLFILE DATADIR
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [sqlFile, data] = process.argv.slice(2);
const sql = readFileSync(sqlFile, 'utf8').replaceAll('${DATA}', data);
const statements = sql
  .split(/;\s*$/m)
  .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
  .filter((s) => s.length > 0);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const counts = [];
for (const s of statements) {
  const reader = await conn.runAndReadAll(s);
  counts.push(reader.getRows().length);
}
console.log(`duckdb: ${statements.length} statements, result rows: ${counts.join(' ')}`);
