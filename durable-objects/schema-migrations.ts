/**
 * Versioned schema for a Durable Object's SQLite storage. Run from the constructor under
 * blockConcurrencyWhile: each step runs once, in order, and the version is stored with the data.
 */
export function migrateStorage(sql: SqlStorage, steps: readonly string[]): number {
  sql.exec("CREATE TABLE IF NOT EXISTS _schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema_version").toArray()[0];
  let version = row?.version ?? 0;
  if (!row) sql.exec("INSERT INTO _schema_version (version) VALUES (0)");
  for (; version < steps.length; version++) {
    sql.exec(steps[version]!);
    sql.exec("UPDATE _schema_version SET version = ?", version + 1);
  }
  return version;
}
