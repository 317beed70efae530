import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { ErrorCode } from '../../shared/codes.ts';
import type { Actor } from '../../shared/schemas/entities.ts';
import type { Store } from '../store/store.ts';
import { HttpError, readBody, sendJson } from './json.ts';
import { signedIn } from './signed-in.ts';

/** The `:name` segments of a route's pattern: `'POST /:id/members'` → `'id'`. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<Rest> : P extends `${string}:${infer Name}` ? Name : never;

/** What a route is handed: the signed-in caller, its pattern's `:name` segments (parsed), and the JSON body on demand. */
export type RouteCall<D, P extends string> = {
  deps: D;
  actor: Actor;
  params: Record<ParamNames<P>, string>;
  /** The request's JSON body parsed with `schema` (400 BAD_REQUEST if it does not parse). */
  body: <S extends z.ZodType>(schema: S) => Promise<z.infer<S>>;
};

/** An answer other than 200 with JSON (what a route returns) or 204 (a route that returns nothing). */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export type Route<D, P extends string> = (call: RouteCall<D, P>) => Promise<unknown>;

export type TableOptions = {
  /** Parses a `:name` segment, throwing the refusal of one that does not parse (best: the same as for an unknown one). Runs before the route. */
  params?: Record<string, (segment: string) => string>;
  /** The HTTP answer of an error a route throws, if it is a refusal (e.g. an effect's); others pass on as they are. */
  refusal?: (error: unknown) => HttpError | undefined;
};

export type TableHandler<D> = (req: IncomingMessage, res: ServerResponse, deps: D, segments: string[]) => Promise<void>;

/** `{'METHOD /a/:b': route}`, answering the rest of the path below where the table is mounted. */
export type Routes<D, K extends string> = { [P in K]: Route<D, P> };

/**
 * A table of routes for signed-in accounts, keyed `'METHOD /pattern'` (`/` is where it is
 * mounted; `:name` matches any one segment). Every request is signed in first (signed-in.ts),
 * so a stranger without a session learns nothing of which paths exist; a path and method no
 * route matches is 404 BAD_REQUEST "no such endpoint".
 * Typed in two steps (`routeTable<Deps>(options)(routes)`) so the deps are named once and each
 * route's `params` follow from its pattern.
 */
export function routeTable<D extends { store: Store }>(options: TableOptions = {}) {
  return <K extends string>(routes: Routes<D, K>): TableHandler<D> => {
    const rows = (Object.entries(routes) as [string, Route<D, string>][]).map(([key, route]) => {
      const [method, pattern = ''] = key.split(' ');
      return { method, segments: pattern === '/' ? [] : pattern.slice(1).split('/'), route };
    });
    return async (req, res, deps, segments) => {
      const { actor } = await signedIn(req, deps.store);
      try {
        const row = rows.find((r) => r.method === req.method && r.segments.length === segments.length && r.segments.every((s, i) => s.startsWith(':') || s === segments[i]));
        if (!row) throw new HttpError(404, ErrorCode.BAD_REQUEST, 'no such endpoint');
        const params: Record<string, string> = {};
        row.segments.forEach((s, i) => {
          if (!s.startsWith(':')) return;
          const name = s.slice(1);
          const segment = segments[i] as string;
          params[name] = options.params?.[name]?.(segment) ?? segment;
        });
        const answer = await row.route({ deps, actor, params, body: (schema) => readBody(req, schema) });
        if (answer instanceof Reply) sendJson(res, answer.status, answer.body);
        else if (answer === undefined) res.writeHead(204).end();
        else sendJson(res, 200, answer);
      } catch (error) {
        throw options.refusal?.(error) ?? error;
      }
    };
  };
}

/** A `params` parser: the segment as `schema` parses it, else `unknown()` is thrown. */
export const parsedOr = (schema: z.ZodType<string>, unknown: () => Error) => (segment: string): string => {
  const parsed = schema.safeParse(segment);
  if (!parsed.success) throw unknown();
  return parsed.data;
};
