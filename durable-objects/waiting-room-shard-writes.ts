/**
 * A join shard's rows written by group commit (docs/waiting-room.md, "Joins"): the first join
 * writes its row at once; the joins that arrive while that write's commit is in flight wait
 * together and are written in ONE statement when it lands, so a burst's pre-queue joins share a
 * statement and a commit instead of paying one each.
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

const INSERT_ONE = "INSERT INTO joins (join_id, kind, number, joined_at) VALUES (?, ?, ?, ?)";
/** Any number of rows in one statement and one bound parameter (a JSON array of [id, kind, number, at]). */
const INSERT_MANY =
  "INSERT INTO joins (join_id, kind, number, joined_at) SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?)";

export class JoinRowWriter {
  private next: Batch | null = null;
  private inFlight = false;
  /** Statements written and rows in them since this instance started (the rows per statement is the saving). */
  readonly counts = { statements: 0, rows: 0 };

  /**
   * @param settled resolves once what was written so far is committed (`ctx.storage.sync()`)
   * @param failed called when a write throws: the caller resets the object
   */
  constructor(
    private readonly sql: SqlStorage,
    private readonly settled: () => Promise<void>,
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
      batch.reject(error);
      throw error;
    }
    this.counts.statements++;
    this.counts.rows += batch.rows.length;
    batch.resolve();
  }

  /** Writes the waiting batch, then the next one once the previous commit is in, until none waits. */
  private drain(): void {
    this.inFlight = true;
    void (async () => {
      try {
        while (this.next) {
          this.flush();
          await this.settled();
        }
      } catch (error) {
        this.next?.reject(error);
        this.next = null;
        this.failed(error);
      } finally {
        this.inFlight = false;
      }
    })();
  }
}
