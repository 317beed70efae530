/** Types the inspector's modules share, kept apart so that none of them imports another in a circle. */

/** Where a struct lands in the document layout. */
export type Place =
  | { kind: 'field'; root: string; key: string | null }
  | { kind: 'nested' }
  | { kind: 'void' }
  /** Anchored on a placeholder (a GC struct the server stored for a refused insert): the author
   *  builds on a change the server never took, and Yjs would drop it here but not there. */
  | { kind: 'placeholder' };

/**
 * - malformed: not a Yjs update (its bytes do not decode): no replica holds it;
 * - invalid: decodes, but holds structs no encoder writes (no length, a parent that is not a
 *   type, a cycle): its author has them in its replica, so its later updates cannot fit;
 * - incomplete: depends on changes the server does not have (or no encoder writes it);
 * - too-costly: reading it would cost more than the work budget;
 * - server-owned: brings structs into a document only the server writes;
 * - placeholder: brings new GC structs, which no honest client writes (see below).
 */
export type InspectionFailure = 'malformed' | 'invalid' | 'incomplete' | 'too-costly' | 'server-owned' | 'placeholder';
