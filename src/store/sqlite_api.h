// Include this instead of <sqlite3.h>. The same sources build twice: into the
// engine library (linked against libsqlite3) and into the loadable extension,
// where every sqlite3_* call must go through the host's API table instead.
#pragma once
#ifdef HART_LOADABLE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif
