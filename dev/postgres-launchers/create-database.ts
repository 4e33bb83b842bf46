import pg from "pg";
import { urlForDatabase } from "./local-postgres";

const DUPLICATE_DATABASE = "42P04";

/**
 * Creates `name` on the server behind `serverUrl` unless it already exists,
 * and returns the URL of that database.
 */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    // Postgres has no CREATE DATABASE IF NOT EXISTS; catching the duplicate
    // error is also the only race-free way when two callers create the same name.
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
  } finally {
    await client.end();
  }
  return urlForDatabase(serverUrl, name);
}
