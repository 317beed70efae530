import { ErrorCode } from '../../shared/codes.ts';
import type { GroupShareRequest } from '../../shared/schemas/groups.ts';
import type { Request } from '../messages.ts';
import { coded, type Handlers } from './handler-types.ts';

/**
 * The worker's answers about experiments and projects beyond the lists: projects, the curation
 * queue, sharing history, reviewer links, groups and files. Each is the core's method of the
 * same name (handler.ts turns any failure into a coded envelope).
 */
type ExperimentRequests =
  | 'projects' | 'project' | 'curationQueue' | 'history' | 'createReviewLink' | 'reviewLinks' | 'revokeReviewLink'
  | 'groups' | 'shareGroup' | 'transfers' | 'offerTransfer' | 'answerTransfer' | 'uploadTicket' | 'download' | 'density' | 'refresh';

/** The dialog's `shareGroup` as the server's request: "Notify by email" and its message go along. */
export function groupShareRequest(req: Extract<Request, { type: 'shareGroup' }>): GroupShareRequest {
  return {
    experimentId: req.id,
    group: req.group,
    ...(req.unshare ? { unshare: true } : {}),
    ...(req.notify !== undefined ? { notify: req.notify } : {}),
    ...(req.message !== undefined ? { message: req.message } : {}),
  };
}

export const experimentHandlers: Pick<Handlers, ExperimentRequests> = {
  projects: (_req, core) => core.projects(),
  project: (req, core) => core.project(req.projectId),
  curationQueue: (_req, core) => core.curationQueue(),
  history: (req, core) => core.history(req.id),
  createReviewLink: (req, core) => core.reviewLinks().createReviewLink(req.id, req.request),
  reviewLinks: (req, core) => core.reviewLinks().reviewLinks(req.id),
  revokeReviewLink: async (req, core) => {
    await core.reviewLinks().revokeReviewLink(req.id, req.linkId);
    return null;
  },
  groups: (_req, core) => core.groups(),
  shareGroup: (req, core) => core.shareWithGroup(groupShareRequest(req)),
  // Transfers are decided by the server only (sync-server/http/transfer-routes.ts): no draft, no replica.
  transfers: (_req, core) => core.api().transfers(),
  offerTransfer: (req, core) =>
    core.api().offerTransfer({ experimentId: req.id, user: req.user, ...(req.leave ? { leave: true } : {}), ...(req.family ? { family: true } : {}) }),
  answerTransfer: (req, core) => core.api().answerTransfer(req.transferId, req.answer),
  // The ticket's URL carries a one-time ticket for this experiment only, never the session token.
  uploadTicket: (req, core) => core.uploadTicket(req.id, req.name),
  // A one-time URL: the browser streams the file to disk, however large, and the page never
  // sees the session token.
  download: async (req, core) => {
    const file = (await core.show(req.id)).files.find((f) => f.id === req.fileId);
    if (!file) throw coded(ErrorCode.UNKNOWN_FILE, 'no such file');
    return { name: file.name, url: (await core.downloadTicket(req.id, req.fileId)).url };
  },
  density: (req, core) => core.density(req.id, req.fileId, req.query),
  refresh: async (req, core) => {
    await core.refresh([req.id], false);
    return null;
  },
};
