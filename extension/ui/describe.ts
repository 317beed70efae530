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

type Can = { edit: boolean; manageSharing: boolean; clone: boolean; download: boolean; cloneFiles?: boolean | undefined; trash?: boolean | undefined };
type Locked = { trashed: boolean; projectId?: string | null; can: Can };

/** Why the download button is disabled: the trash, or (in a project) its cloning level. */
export function downloadLockReason(view: Locked): string | null {
  if (view.can.download) return null;
  return describeCode(view.trashed ? ErrorCode.EXPERIMENT_TRASHED : ErrorCode.DOWNLOAD_NOT_ALLOWED);
}

/** Why a clone (full, or of the files only) is not offered. */
export function cloneLockReason(view: Locked, filesOnly: boolean): string | null {
  if (filesOnly ? (view.can.cloneFiles ?? view.can.clone) : view.can.clone) return null;
  if (view.trashed) return describeCode(ErrorCode.EXPERIMENT_TRASHED);
  return view.projectId
    ? `${describeCode(ErrorCode.CLONE_NOT_ALLOWED)} The project's settings ${!filesOnly && view.can.cloneFiles ? 'allow cloning the files only' : 'do not allow cloning'}.`
    : describeCode(ErrorCode.CLONE_NOT_ALLOWED);
}

/** A gate export makes a linked analysis: it needs the clone right and the right to link (sharing). */
export function exportLockReason(view: Locked): string | null {
  return cloneLockReason(view, false) ?? sharingLockReason(view);
}

export function trashLockReason(view: Locked): string | null {
  return view.can.trash ? null : describeCode(ErrorCode.OWNER_ONLY);
}
