import { z } from 'zod';

/**
 * Usernames are the identity of an account everywhere (grants, owners, documents): they are
 * immutable, lower-case and safe in URLs and document names.
 */
export const Username = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, 'a username is 2–32 characters: a–z, 0–9, dot, dash, underscore');
export type Username = z.infer<typeof Username>;

export const Email = z.email().max(254).transform((e) => e.toLowerCase());

/** Experiment ids are made by the client (so an experiment can be created offline). */
export const ExperimentId = z.string().regex(/^[a-z0-9][a-z0-9-]{7,63}$/, 'not an experiment id');
export type ExperimentId = z.infer<typeof ExperimentId>;

export const DraftId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not a draft id');

/**
 * Names are single-line: a line break, tab or other control character (C0, DEL, C1, and the
 * Unicode line and paragraph separators) would break every list that prints one per line.
 * Checked on the raw string, before trimming, so what is stored is what was checked.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const SINGLE_LINE_MESSAGE = 'must be one line, without line breaks, tabs or other control characters';
export const isSingleLine = (text: string): boolean => !CONTROL.test(text);
/** A string of one line; `what` names it in the refusal ("a name must be one line, …"). */
export const singleLine = (what: string) => z.string().refine(isSingleLine, `${what} ${SINGLE_LINE_MESSAGE}`);

export const ExperimentName = singleLine('a name').trim().min(1, 'a name is required').max(200);
export const Password = z.string().min(8, 'a password has at least 8 characters').max(1024);

export const ServerMode = { premium: 'premium', enterprise: 'enterprise' } as const;
export type ServerMode = (typeof ServerMode)[keyof typeof ServerMode];
export const ServerModeSchema = z.enum(ServerMode);

/**
 * How an account reaches an experiment, strongest first. `viewer` (a direct share with the
 * viewer role) sees everything but may not edit, download, clone or share.
 */
export const AccessLevel = { owner: 'owner', full: 'full', restricted: 'restricted', viewer: 'viewer', public: 'public', none: 'none' } as const;
export type AccessLevel = (typeof AccessLevel)[keyof typeof AccessLevel];
export const AccessLevelSchema = z.enum(AccessLevel);

/** The role a direct share gives; a grant without one is `full` (every grant before roles). */
export const GrantRole = z.enum(['full', 'viewer']);
export type GrantRole = z.infer<typeof GrantRole>;
/** `until`: when set, the grant ends at that instant (ms since the epoch); see shared/rules/expiry.ts. */
export const Grant = z.strictObject({
  by: Username,
  at: z.number().int().nonnegative(),
  role: GrantRole.optional(),
  until: z.number().int().nonnegative().optional(),
});
export type Grant = z.infer<typeof Grant>;

/**
 * A group holding access to an experiment (see schemas/groups.ts): the server mirrors the
 * group's current members, so every reader computes access alike and a member added or removed
 * gains or loses access at once, with no per-person grant to rewrite.
 */
export const GroupGrant = z.strictObject({
  name: singleLine('a group name').trim().min(1).max(100),
  members: z.array(Username).max(10_000),
  by: Username,
  at: z.number().int().nonnegative(),
});
export type GroupGrant = z.infer<typeof GroupGrant>;

/**
 * The server-owned sharing state of one experiment: the input of every access rule. It lives
 * in the server's database and is mirrored into the experiment document's `sharing` map.
 */
export const SharingState = z.strictObject({
  id: ExperimentId,
  owner: Username,
  grants: z.record(Username, Grant),
  public: z.boolean(),
  curated: z.boolean(),
  parentId: ExperimentId.nullable(),
  clonedFrom: ExperimentId.nullable(),
  projectId: z.string().nullable(),
  trashed: z.boolean(),
  /** Groups shared with, by group id; absent when none. */
  groups: z.record(z.string().regex(/^g-[0-9a-f]{16}$/), GroupGrant).optional(),
  /** An embargo: the experiment becomes public at this instant; null (or absent) when none is pending. */
  publishAt: z.number().int().nonnegative().nullable().optional(),
});
export type SharingState = z.infer<typeof SharingState>;

export const Actor = z.strictObject({ username: Username, staff: z.boolean() });
export type Actor = z.infer<typeof Actor>;

export const GateRect = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .refine(([x1, y1, x2, y2]) => [x1, y1, x2, y2].every(Number.isFinite), 'coordinates must be finite');

/** Vertices of a polygon gate: a plot is drawn by hand, a few dozen points at most in practice. */
export const POLYGON_MAX_VERTICES = 256;
export const GatePolygon = z
  .array(z.tuple([z.number(), z.number()]))
  .min(3, 'a polygon has at least 3 vertices')
  .max(POLYGON_MAX_VERTICES, `a polygon has at most ${POLYGON_MAX_VERTICES} vertices`)
  .refine((points) => points.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)), 'coordinates must be finite');

const GateBase = {
  name: singleLine('a gate name').trim().min(1).max(200),
  xChannel: z.string().min(1).max(100),
  yChannel: z.string().min(1).max(100),
};

/** A gate on two channels, in raw channel units: a rectangle (x1, y1, x2, y2) or a polygon. */
export const RectGate = z.strictObject({ ...GateBase, rect: GateRect });
export const PolygonGate = z.strictObject({ ...GateBase, polygon: GatePolygon });
export const Gate = z.union([RectGate, PolygonGate]);
export type Gate = z.infer<typeof Gate>;

export const GateId = z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'not a gate id');
export const TagValue = singleLine('a tag value').max(200);
export const FileName = z.string().min(1).max(255);
export const Dimension = z.string().trim().min(1).max(100);
