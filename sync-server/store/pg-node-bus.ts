import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import type { NodeBus, NodeEvent, PresenceNotice } from './store.ts';

/** The one LISTEN/NOTIFY channel of Cytoshare's server nodes on a database. */
export const NODE_CHANNEL = 'cytoshare_nodes';

/** How the bus's connection names itself to PostgreSQL (pg_stat_activity). */
export const BUS_APPLICATION = 'cytoshare-node-bus';

/** How long the bus waits before it connects again after losing its connection. */
const RECONNECT_MS = 500;

/** NOTIFY refuses a payload over 8,000 bytes; a notice is cut to stay under this. */
const NOTICE_BYTES = 7_900;
/**
 * The largest presence state (UTF-8 bytes of its JSON) a node relays to the others: base64 in a
 * notice with a document name and username of their bounded lengths, it always fits. With a
 * bus, the server bounds presence states to it (ServerLimits.awarenessStateBytes, lowered).
 */
export const PRESENCE_STATE_BYTES = 5_500;

/** Presence as it crosses the channel: `e` holds [clientID, clock, state's JSON in base64]. */
const presenceSchema = z.object({
  t: z.literal('presence'),
  doc: z.string().min(1).max(200),
  u: z.string().min(1).max(64),
  e: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.string().max(Math.ceil(PRESENCE_STATE_BYTES / 3) * 4)])).min(1),
  n: z.string().max(64),
});
const utf8 = new TextDecoder('utf-8', { fatal: true });

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
  private readonly presenceListeners: Array<(presence: PresenceNotice) => void> = [];
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

  subscribePresence(listener: (presence: PresenceNotice) => void): void {
    this.presenceListeners.push(listener);
  }

  /** As few notices as fit: entries are packed until the next would pass NOTICE_BYTES; a state over PRESENCE_STATE_BYTES is not sent. */
  async publishPresence({ doc, user, entries }: PresenceNotice): Promise<void> {
    const head = { t: 'presence', doc, u: user, e: [] as Array<[number, number, string]>, n: this.node };
    let size = Buffer.byteLength(JSON.stringify(head));
    let batch: Array<[number, number, string]> = [];
    const send = async () => {
      if (batch.length > 0) await this.pool.query('SELECT pg_notify($1, $2)', [NODE_CHANNEL, JSON.stringify({ ...head, e: batch })]);
      batch = [];
      size = Buffer.byteLength(JSON.stringify(head));
    };
    for (const { clientID, clock, json } of entries) {
      if (Buffer.byteLength(json) > PRESENCE_STATE_BYTES) continue;
      const entry: [number, number, string] = [clientID, clock, Buffer.from(json).toString('base64')];
      const bytes = JSON.stringify(entry).length + 1;
      if (size + bytes > NOTICE_BYTES) await send();
      batch.push(entry);
      size += bytes;
    }
    await send();
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
      const raw: unknown = JSON.parse(payload ?? '');
      if (typeof raw === 'object' && raw !== null && 't' in raw && raw.t === 'presence') return this.deliverPresence(presenceSchema.parse(raw));
      parsed = payloadSchema.parse(raw);
    } catch {
      return;
    }
    if (parsed.n === this.node) return;
    const event: NodeEvent = parsed.t === 'doc' ? { t: 'doc', doc: parsed.doc, seq: parsed.seq } : { t: 'access', doc: parsed.doc };
    this.tell(event);
  }

  private deliverPresence(parsed: z.infer<typeof presenceSchema>): void {
    if (parsed.n === this.node) return;
    // Decoded strictly: a state that is not UTF-8 drops the notice (the caller's catch).
    const entries = parsed.e.map(([clientID, clock, state]) => ({ clientID, clock, json: utf8.decode(Buffer.from(state, 'base64')) }));
    for (const listener of this.presenceListeners) {
      try {
        listener({ doc: parsed.doc, user: parsed.u, entries });
      } catch {
        // One listener's failure must not keep the notice from the others.
      }
    }
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
