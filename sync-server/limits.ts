import { z } from 'zod';

/**
 * Every bound the server puts on what one client may cost it. One table, so the README's
 * Security section, the `--limit NAME=VALUE` flag of `cytoshare server` and the code that
 * enforces each bound read the same numbers. Defaults suit a lab server on a small machine.
 */
export const ServerLimitsSchema = z
  .object({
    /**
     * Work units (structs read, delete ranges, stored structs visited, values checked) one sync
     * message may cost; past it UPDATE_TOO_COSTLY and a reset. A message is at most
     * MAX_MESSAGE_BYTES (128 KiB, about 25,000 units of structs or ranges), so what this bounds
     * is what a few bytes of delete set ask for: the walk over stored structs (a sync step 2
     * resends the whole delete set, about one unit per deleted struct of the document; a heavily
     * edited experiment of 5,000 cells and 200 gates: 16,000–22,000; a 128 KiB slice of it: about 46,000), and live structs deleted
     * (60 units each: each is judged and applied; about 4,000 in one message). 250,000 units
     * cost 30–60 ms on a shared 2-core machine.
     */
    updateWorkBudget: z.number().int().positive(),
    /** New Yjs client ids one socket may claim over its life. */
    clientIdsPerSocket: z.number().int().positive(),
    /** New Yjs client ids one account may claim per day. */
    clientIdsPerAccountPerDay: z.number().int().positive(),
    /** Bytes of one awareness (presence) state. */
    awarenessStateBytes: z.number().int().positive(),
    /** Client entries in one awareness message (a stock client sends its own plus echoes of what it just received). */
    awarenessEntriesPerMessage: z.number().int().positive(),
    /** Bytes waiting in a reader's socket buffer before it is closed as too slow. */
    socketBufferBytes: z.number().int().positive(),
    /** Bytes waiting on all of one account's sockets (closing ones too) before the ones holding bytes are closed as too slow. */
    accountBufferBytes: z.number().int().positive(),
    /**
     * After answering a sync step 1 (an encoding of the whole document, for a few bytes asked), a
     * socket's next one is answered no sooner than this; sooner ones are dropped. Over one ordered
     * socket a second step 1 is redundant (the earlier answer and the updates relayed since carry
     * everything); the stock provider sends one on connect, and on its resync interval if set.
     */
    syncStep1IntervalMs: z.number().int().nonnegative(),
    /** Open document sockets per account; a document followed on a multiplexed socket counts as one, and so does the multiplexed socket itself. */
    socketsPerAccount: z.number().int().positive(),
    /** Documents one multiplexed socket (`/mux`) may name over its life (caught up or followed); more get TOO_MANY_DOCUMENTS, per document. */
    docsPerMuxSocket: z.number().int().positive(),
    /** Catch-ups (sync step 1 on `/mux`, each a read of stored state) one multiplexed socket may ask at once… */
    muxCatchUpBurst: z.number().int().positive(),
    /** …and per second after that (a token bucket); more get TOO_MANY_ATTEMPTS, per document. */
    muxCatchUpsPerSecond: z.number().int().positive(),
    /** Bytes of stored-update summaries (clock ends and delete set, keyed by a hash) and recent diffs of them kept in memory so a catch-up skips what the client holds. */
    storedSummaryCacheBytes: z.number().int().positive(),
    /** A socket that answers no ping for this long is closed. */
    socketIdleMs: z.number().int().positive(),
    /** Largest FCS upload, in bytes. */
    uploadBytes: z.number().int().positive(),
    /** Uploads one account may have in flight at once. */
    uploadsPerAccount: z.number().int().positive(),
    /** An upload that brings no byte for this long is dropped, freeing its slot and temporary file. */
    uploadIdleMs: z.number().int().positive(),
    /** Unused file tickets one account may hold (each lives 5 minutes): bounds the tickets' memory. */
    ticketsPerAccount: z.number().int().positive(),
    /** Intents one dry run (`POST /api/intents/check`) may ask about; each is planned like a real intent, in its own turn. */
    intentChecksPerRequest: z.number().int().positive(),
    /** Rows one page of the public catalog (GET /api/catalog) may hold; a larger `limit` is cut to it. */
    catalogPageRows: z.number().int().positive(),
    /** After an upload is refused mid-body, how long the rest is read and dropped so the client can read the refusal (then the socket is closed). */
    refusedBodyDrainMs: z.number().int().nonnegative(),
    /** …and how many bytes of it at most. */
    refusedBodyDrainBytes: z.number().int().nonnegative(),
    /** Bytes of an uploaded FCS file's TEXT segment read into memory to check it (real ones are KBs). */
    uploadTextBytes: z.number().int().positive(),
    /** Failed logins for one account before delays start. */
    loginFailuresFree: z.number().int().nonnegative(),
    /** Failed logins from one client address (any accounts) before delays start; higher, since a lab may share one NAT address. */
    loginFailuresFreePerAddress: z.number().int().nonnegative(),
    /** Longest wait a run of failed logins imposes (delays double from 1 s up to this). */
    loginDelayMaxMs: z.number().int().positive(),
    /** A login counter with no new failure for this long is forgotten. */
    loginFailureMemoryMs: z.number().int().positive(),
    /** Counters each kind of login or sign-up throttle keeps at most (in memory, or in the database shared by several nodes); past it the least recently written one holding no delay is dropped first. */
    throttleEntries: z.number().int().positive(),
    /** Password hashes computed at once; others wait their turn (honest logins first). */
    passwordHashConcurrency: z.number().int().positive(),
    /** Password hashes one client address may have waiting; more are refused with TOO_MANY_ATTEMPTS. */
    passwordHashQueuePerAddress: z.number().int().positive(),
    /** Time for a client to send all HTTP request headers. */
    httpHeadersTimeoutMs: z.number().int().positive(),
    /** Time for a client to send a whole HTTP request (uploads have their own, longer clock). */
    httpRequestTimeoutMs: z.number().int().nonnegative(),
    /** Tries of one emailed verification code; past it the code is dead and a new one must be asked for. */
    verifyAttemptsPerCode: z.number().int().positive(),
    /** Verification-code mails one account may cause per day (each new code is a mail to some address). */
    verifyMailsPerDay: z.number().int().positive(),
    /** Code and "address in use" mails one recipient address gets per day, whoever asks: no mail-bombing by many new accounts. */
    verifyMailsPerAddressPerDay: z.number().int().positive(),
    /** How long an emailed verification code and its link stay good. */
    verifyCodeTtlMs: z.number().int().positive(),
    /** How long the link of a share mail opens its landing page (the link is sealed, stored nowhere, so it cannot be revoked one by one; unsharing hides the page). */
    shareLinkTtlMs: z.number().int().positive(),
    /** An HTTP connection that moves no byte for this long is dropped (a body trickled byte by byte, an unread answer). */
    httpIdleTimeoutMs: z.number().int().positive(),
    /** Density plots (file read from disk) one account may have computing at once; more get TOO_MANY_PLOTS. */
    densityReadsPerAccount: z.number().int().positive(),
    /** Density answers kept in memory (up to 2 MiB each at 512 × 512 bins, a JS array of counts), least recently used dropped first. */
    densityCacheEntries: z.number().int().nonnegative(),
    /** Sign-ups one client address may make per hour (each new account may mail codes to any address); more are TOO_MANY_ATTEMPTS. Higher than one person needs, as a lab may share one NAT address. */
    signupsPerAddressPerHour: z.number().int().positive(),
    /** Live (not revoked, not expired) reviewer links one experiment may have; more get TOO_MANY_REVIEW_LINKS. */
    reviewLinksPerExperiment: z.number().int().positive(),
    /** Views of one reviewer link's page (each draws up to 12 density plots) in a sliding minute; more get 429 TOO_MANY_PLOTS. */
    reviewPagesPerLinkPerMinute: z.number().int().positive(),
    /** History entries one answer of `GET …/audit` carries; longer histories come in pages (`?after=SEQ`, the answer's `next`). */
    historyEntriesPerAnswer: z.number().int().positive(),
    /** Shares one account may have waiting for a connection to be accepted (each sent a connection request); more are TOO_MANY_WAITING_SHARES. */
    waitingSharesPerAccount: z.number().int().positive(),
    /** Groups one account may own; more are TOO_MANY_GROUPS. */
    groupsPerAccount: z.number().int().positive(),
    /** Members of one group, its owner included; more are TOO_MANY_GROUP_MEMBERS. Each member is mirrored into every experiment shared with the group. */
    membersPerGroup: z.number().int().positive(),
    /** Transfers of ownership one account may have waiting for an answer (each mailed its receiver); more are TOO_MANY_TRANSFERS. */
    pendingTransfersPerAccount: z.number().int().positive(),
    /**
     * Experiments one transfer of ownership may move (`--family`: the giver's linked
     * experiments); more are TOO_MANY_TRANSFER_EXPERIMENTS. Acceptance rewrites each in one
     * unit of work and one turn of the intent queue.
     */
    experimentsPerTransfer: z.number().int().positive(),
    /**
     * Experiments shared with one group (a linked family counts each); more are
     * TOO_MANY_GROUP_EXPERIMENTS. A change of members rewrites each of them in one turn.
     */
    experimentsPerGroup: z.number().int().positive(),
    /**
     * Experiments whose grant ends or embargoes the expiry timer applies in one turn (and grants
     * it warns about); more due at once are applied in further turns, so intents get in between.
     */
    sharingDeadlinesPerTick: z.number().int().positive(),
  })
  .strict();
export type ServerLimits = z.infer<typeof ServerLimitsSchema>;

export const DEFAULT_LIMITS: ServerLimits = {
  updateWorkBudget: 250_000,
  clientIdsPerSocket: 64,
  clientIdsPerAccountPerDay: 2_000,
  awarenessStateBytes: 16 * 1024,
  awarenessEntriesPerMessage: 256,
  // An honest reader's queue is tiny except for the first sync, which is allowed on top.
  socketBufferBytes: 4 * 1024 * 1024,
  // A few readers' worth: many sockets that never read must not hold socketsPerAccount × the above.
  accountBufferBytes: 32 * 1024 * 1024,
  syncStep1IntervalMs: 1_000,
  socketsPerAccount: 200,
  docsPerMuxSocket: 1_000,
  // A client holding a few hundred experiments catches up in one go; repeating it is paced.
  muxCatchUpBurst: 1_000,
  muxCatchUpsPerSecond: 200,
  storedSummaryCacheBytes: 16 * 1024 * 1024,
  socketIdleMs: 60_000,
  uploadBytes: 8 * 1024 * 1024 * 1024,
  uploadsPerAccount: 2,
  uploadIdleMs: 30_000,
  ticketsPerAccount: 16,
  intentChecksPerRequest: 500,
  catalogPageRows: 200,
  uploadTextBytes: 16 * 1024 * 1024,
  refusedBodyDrainMs: 2_000,
  refusedBodyDrainBytes: 4 * 1024 * 1024,
  loginFailuresFree: 5,
  loginFailuresFreePerAddress: 20,
  loginDelayMaxMs: 10 * 60_000,
  loginFailureMemoryMs: 24 * 3600_000,
  throttleEntries: 100_000,
  passwordHashConcurrency: 2,
  passwordHashQueuePerAddress: 4,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 0,
  verifyAttemptsPerCode: 5,
  verifyMailsPerDay: 5,
  verifyMailsPerAddressPerDay: 5,
  verifyCodeTtlMs: 24 * 3600 * 1000,
  shareLinkTtlMs: 30 * 24 * 3600 * 1000,
  httpIdleTimeoutMs: 30_000,
  densityReadsPerAccount: 2,
  densityCacheEntries: 32,
  signupsPerAddressPerHour: 20,
  reviewLinksPerExperiment: 20,
  reviewPagesPerLinkPerMinute: 30,
  historyEntriesPerAnswer: 1_000,
  waitingSharesPerAccount: 100,
  groupsPerAccount: 50,
  membersPerGroup: 500,
  pendingTransfersPerAccount: 50,
  experimentsPerTransfer: 200,
  experimentsPerGroup: 200,
  sharingDeadlinesPerTick: 100,
};

export type LimitName = keyof ServerLimits;

/** `NAME=VALUE` pairs (as given to `--limit`) over the defaults; an unknown name or bad value is an error. */
export function limitsFrom(pairs: string[], base: ServerLimits = DEFAULT_LIMITS): ServerLimits {
  const merged: Record<string, number> = { ...base };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !Object.hasOwn(base, name)) throw new Error(`unknown limit ${JSON.stringify(name)}; known: ${Object.keys(base).join(', ')}`);
    const value = Number(pair.slice(eq + 1));
    if (!Number.isSafeInteger(value)) throw new Error(`limit ${name} takes a whole number`);
    merged[name] = value;
  }
  const parsed = ServerLimitsSchema.safeParse(merged);
  if (!parsed.success) throw new Error(`bad limit ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
