// node run_script.js DB EXTENSION SCRIPT: loads the extension into better-sqlite3 (its
// own SQLite build), runs each statement of SCRIPT (one per line) and prints the rows
// of those that return rows, columns joined by '|'.
const fs = require('fs');
const Database = require('better-sqlite3');
const [db_path, extension, script] = process.argv.slice(2);
const db = new Database(db_path);
db.loadExtension(extension);
for (const sql of fs.readFileSync(script, 'utf8').split('\n').filter((l) => l.trim())) {
  const st = db.prepare(sql);
  if (st.reader) for (const row of st.raw().all()) console.log(row.map(String).join('|'));
  else st.run();
}
db.close();
