import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import type { NodeBus, NodeEvent } from './store.ts';

/** The one LISTEN/NOTIFY channel of Cytoshare's server nodes on a database. */
export const NODE_CHANNEL = 'cytoshare_nodes';

/** How the bus's connection names itself to PostgreSQL (pg_stat_activity). */
export const BUS_APPLICATION = 'cytoshare-node-bus';

/** How long the bus waits before it connects again after losing its connection. */
const RECONNECT_MS = 500;

/**
 * A payload as it comes off the channel: anything on the database may NOTIFY it, so it is
 * parsed like any other input. `n` is the sending node, so a node skips its own events.
 */
const payloadSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('doc'), doc: z.string().min(1).max(200), seq: z.number().int().nonnegative(), n: z.string().max(64) }),
  z.object({ t: z.literal('access'), doc: z.string().min(1).max(200), n: z.string().max(64) }),
]);

/**
 * SQL that tells the other nodes a document's update was committed: one statement with the
 * insert, so an append still costs one round trip. The payload (well under NOTIFY's 8,000
 * bytes) names the document and the sequence number, never the update: nodes read it back.
 */
export function appendAndNotifySql(): string {
  return `WITH ins AS (INSERT INTO doc_updates (doc, data) VALUES ($1, $2) RETURNING seq)
    SELECT seq, pg_notify('${NODE_CHANNEL}', json_build_object('t', 'doc', 'doc', $1::text, 'seq', seq, 'n', $3::text)::text) FROM ins`;
}

/**
 * One connection of its own that LISTENs for the other nodes' events (a pooled connection
 * cannot: the pool hands it to others). When it drops, it connects again and tells its
 * listeners `missed`, since NOTIFY keeps nothing for a node that was not listening.
 */
export class PgNodeBus implements NodeBus {
  readonly node = randomUUID();
  private readonly listeners: Array<(event: NodeEvent) => void> = [];
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: BUS_APPLICATION });
    client.on('notification', (message) => {
      if (message.channel === NODE_CHANNEL) this.deliver(message.payload);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${NODE_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  subscribe(listener: (event: NodeEvent) => void): void {
    this.listeners.push(listener);
  }

  async publish(event: { t: 'access'; doc: string }): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [NODE_CHANNEL, JSON.stringify({ ...event, n: this.node })]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private deliver(payload: string | undefined): void {
    let parsed: z.infer<typeof payloadSchema>;
    try {
      parsed = payloadSchema.parse(JSON.parse(payload ?? ''));
    } catch {
      return;
    }
    if (parsed.n === this.node) return;
    const event: NodeEvent = parsed.t === 'doc' ? { t: 'doc', doc: parsed.doc, seq: parsed.seq } : { t: 'access', doc: parsed.doc };
    this.tell(event);
  }

  private tell(event: NodeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One listener's failure must not keep the event from the others.
      }
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    void client.end().catch(() => undefined);
    const again = (): void => {
      this.retry = null;
      if (this.closed) return;
      this.start().then(
        () => this.tell({ t: 'missed' }),
        () => {
          this.retry = setTimeout(again, RECONNECT_MS);
          this.retry.unref();
        },
      );
    };
    this.retry = setTimeout(again, RECONNECT_MS);
    this.retry.unref();
  }
}
