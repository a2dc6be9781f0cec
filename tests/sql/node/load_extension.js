// node load_extension.js DB EXTENSION SQL [SETUP]: prints the first column of each row
// of SQL, run in better-sqlite3 (its own SQLite build) after loading the extension and
// running the statements of SETUP.
const Database = require('better-sqlite3');
const [db_path, extension, sql, setup] = process.argv.slice(2);
const db = new Database(db_path);
db.loadExtension(extension);
if (setup) db.exec(setup);
for (const row of db.prepare(sql).raw().all()) console.log(String(row[0]));
db.close();
