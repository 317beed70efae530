import { describeCode, ErrorCode } from '../../shared/codes.ts';

/**
 * Words for a refusal code. Known codes get the sentence from shared/codes.ts; an unknown code
 * (a newer server) falls back to a neutral sentence rather than raw text.
 */
const known: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function describe(code: string | undefined): string {
  if (code !== undefined && known.has(code)) return describeCode(code as ErrorCode);
  return 'The change was not accepted.';
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ErrorCode.INTERNAL;
}

/** The reason a sharing control is disabled, from the view's `can` and trash state. */
export function sharingLockReason(view: { trashed: boolean; can: { manageSharing: boolean } }): string | null {
  if (view.can.manageSharing) return null;
  return describeCode(view.trashed ? ErrorCode.EXPERIMENT_TRASHED : ErrorCode.NOT_A_SHARING_MANAGER);
}

export function editLockReason(view: { trashed: boolean; can: { edit: boolean } }): string | null {
  if (view.can.edit) return null;
  return describeCode(view.trashed ? ErrorCode.EXPERIMENT_TRASHED : ErrorCode.READ_ONLY);
}

export const statusWords: Record<string, string> = {
  online: 'Online',
  syncing: 'Syncing…',
  connecting: 'Connecting…',
  offline: 'Offline — changes wait as drafts',
  'signed-out': 'Signed out',
};
