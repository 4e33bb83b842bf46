/**
 * A join shard's rows written by group commit (docs/waiting-room.md, "Joins"): a join's row waits
 * one turn of the event loop (COMMIT_WINDOW_MS while the shard is busy), and every join delivered
 * to the object by then is written with it in ONE statement, so a burst's pre-queue joins share a
 * statement and a commit instead of paying one each. Locally each statement commits on its own,
 * with an fsync on workerd's one thread; in production the output gate holds the answers until the
 * write is confirmed.
 *
 * What stays exact: each join is decided (its number, its place in the per-address count, its
 * entry in the shard's map) in its own step, in arrival order, before it waits; only the write is
 * shared. A join answers only after its row is written, and the output gate holds every answer
 * until the write is durable, so no one is told an entry the storage does not have. A failed write
 * resets the object (its memory is reloaded from the rows), so the numbering never runs ahead of
 * the rows either.
 */

export interface JoinRowWrite {
  joinId: string;
  kind: "pre" | "position";
  number: number;
  joinedAt: number;
}

interface Batch {
  rows: JoinRowWrite[];
  written: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const written = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
  // A batch nobody awaits any more (every join in it already failed) must not be an unhandled rejection.
  written.catch(() => undefined);
  return { rows: [], written, resolve, reject };
}

/** A shard that wrote a batch within this long is busy... */
const BUSY_WITHIN_MS = 100;
/**
 * ...and its next rows wait this long for others to share their statement and commit. Each commit
 * is a durable write (locally an fsync on workerd's one thread, which runs every object; in a
 * pre-queue profile the shards' writes took 23 % of that thread at about 1.4 rows a commit, 13 %
 * with this window). A join of a busy shard answers up to this much later; a quiet shard's join is
 * written at once, as before.
 */
export const COMMIT_WINDOW_MS = 25;

const INSERT_ONE = "INSERT INTO joins (join_id, kind, number, joined_at) VALUES (?, ?, ?, ?)";
/** Any number of rows in one statement and one bound parameter (a JSON array of [id, kind, number, at]). */
const INSERT_MANY =
  "INSERT INTO joins (join_id, kind, number, joined_at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)";

export class JoinRowWriter {
  private next: Batch | null = null;
  /** A write is booked. */
  private inFlight = false;
  /** When a batch was last written (by the timer, the draw's close or a save): a shard that wrote lately is busy. */
  private lastWriteAt = 0;
  /** Statements written and rows in them since this instance started (the rows per statement is the saving). */
  readonly counts = { statements: 0, rows: 0 };

  /** @param failed called when a write throws: the caller resets the object */
  constructor(
    private readonly sql: SqlStorage,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Resolves once the row is written; the output gate then holds the join's answer until it is durable. */
  add(row: JoinRowWrite): Promise<void> {
    const batch = (this.next ??= newBatch());
    batch.rows.push(row);
    if (!this.inFlight) this.drain();
    return batch.written;
  }

  /** Writes what waits now, in the caller's step: the draw's close runs it before saving, so the rows and the close commit together. */
  flush(): void {
    const batch = this.next;
    if (!batch) return;
    this.next = null;
    try {
      if (batch.rows.length === 1) {
        const r = batch.rows[0]!;
        this.sql.exec(INSERT_ONE, r.joinId, r.kind, r.number, r.joinedAt);
      } else {
        this.sql.exec(INSERT_MANY, JSON.stringify(batch.rows.map((r) => [r.joinId, r.kind, r.number, r.joinedAt])));
      }
    } catch (error) {
      // The rows' joins are told it failed; the object is reset (its numbering ran ahead of the rows).
      batch.reject(error);
      this.failed(error);
      throw error;
    }
    this.counts.statements++;
    this.counts.rows += batch.rows.length;
    this.lastWriteAt = Date.now();
    batch.resolve();
  }

  /**
   * Writes the waiting batch after one turn of the event loop, or, when the shard wrote within the
   * last BUSY_WITHIN_MS, after COMMIT_WINDOW_MS: the joins delivered to the object by then join it.
   */
  private drain(): void {
    this.inFlight = true;
    const busy = Date.now() - this.lastWriteAt < BUSY_WITHIN_MS;
    setTimeout(() => {
      this.inFlight = false;
      try {
        this.flush();
      } catch {
        // Handled in flush: the batch's joins failed and the object is being reset.
      }
    }, busy ? COMMIT_WINDOW_MS : 0);
  }
}
