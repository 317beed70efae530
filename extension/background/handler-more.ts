import { ErrorCode } from '../../shared/codes.ts';
import type { Handlers } from './handler.ts';

/**
 * The worker's answers for projects, copies, trash, curation and files. Each one is the core's
 * method of the same name: the core runs the shared rules and records a draft, or refuses with
 * a code, exactly as for sharing (handler.ts turns any failure into a coded envelope).
 */
type More =
  | 'projects' | 'project' | 'createProject' | 'setProjectMember' | 'setProjectPolicy' | 'move' | 'clone' | 'exportGate'
  | 'trash' | 'restore' | 'deleteForGood' | 'curate' | 'requestCuration' | 'curationQueue' | 'history' | 'createReviewLink' | 'reviewLinks' | 'revokeReviewLink' | 'uploadTicket' | 'download' | 'density' | 'refresh'
  | 'address' | 'verifyEmail' | 'changeEmail' | 'settings' | 'setPreferences' | 'changePassword'
  | 'totpStatus' | 'totpEnable' | 'totpConfirm' | 'totpDisable' | 'groups' | 'shareGroup' | 'transfers' | 'answerTransfer';

export const moreHandlers: Pick<Handlers, More> = {
  projects: (_req, core) => core.projects(),
  project: (req, core) => core.project(req.projectId),
  createProject: (req, core) => core.createProject(req.name),
  setProjectMember: (req, core) => core.setProjectMember(req.projectId, req.user, req.role),
  setProjectPolicy: (req, core) => core.setProjectPolicy(req.projectId, req.policy),
  move: (req, core) => core.move(req.id, req.projectId),
  clone: (req, core) => core.clone(req.id, req.linked, req.filesOnly),
  exportGate: (req, core) => core.exportGate(req.id, req.gateId),
  trash: (req, core) => core.trash(req.id),
  restore: (req, core) => core.restore(req.id),
  deleteForGood: (req, core) => core.deleteForGood(req.id),
  curate: (req, core) => core.curate(req.id, req.curated),
  requestCuration: (req, core) => core.requestCuration(req.id),
  curationQueue: (_req, core) => core.curationQueue(),
  history: (req, core) => core.history(req.id),
  createReviewLink: (req, core) => core.reviewLinks().createReviewLink(req.id, req.request),
  reviewLinks: (req, core) => core.reviewLinks().reviewLinks(req.id),
  revokeReviewLink: async (req, core) => {
    await core.reviewLinks().revokeReviewLink(req.id, req.linkId);
    return null;
  },
  groups: (_req, core) => core.groups(),
  shareGroup: (req, core) => core.shareWithGroup({ experimentId: req.id, group: req.group, ...(req.unshare ? { unshare: true } : {}) }),
  // Transfers are decided by the server only (sync-server/http/transfer-routes.ts): no draft, no replica.
  transfers: (_req, core) => core.api().transfers(),
  answerTransfer: (req, core) => core.api().answerTransfer(req.transferId, req.answer),
  // The ticket's URL carries a one-time ticket for this experiment only, never the session token.
  uploadTicket: (req, core) => core.uploadTicket(req.id, req.name),
  // A one-time URL: the browser streams the file to disk, however large, and the page never
  // sees the session token.
  download: async (req, core) => {
    const file = (await core.show(req.id)).files.find((f) => f.id === req.fileId);
    if (!file) throw Object.assign(new Error('no such file'), { code: ErrorCode.UNKNOWN_FILE });
    return { name: file.name, url: (await core.downloadTicket(req.id, req.fileId)).url };
  },
  density: (req, core) => core.density(req.id, req.fileId, req.query),
  refresh: async (req, core) => {
    await core.refresh([req.id], false);
    return null;
  },
  // A server from before address proof sends neither field: its addresses count as proved.
  address: async (_req, core) => {
    const who = await core.whoami();
    return { email: who.email, emailVerified: who.emailVerified ?? true, pendingEmail: who.pendingEmail ?? null };
  },
  verifyEmail: (req, core) => core.verifyEmail(req.code),
  changeEmail: (req, core) => core.changeEmail(req.email),
  // Asked of the server each time, so the page shows what the notifier will honour.
  settings: async (_req, core) => {
    const who = await core.whoami();
    return {
      server: core.account?.server ?? '',
      username: who.username,
      email: who.email,
      emailVerified: who.emailVerified ?? true,
      pendingEmail: who.pendingEmail ?? null,
      shareEmails: who.shareEmails ?? true,
      totpEnrolmentRequired: who.totpEnrolmentRequired ?? false,
    };
  },
  setPreferences: (req, core) => core.setShareEmails(req.shareEmails),
  changePassword: (req, core) => core.changePassword(req.currentPassword, req.newPassword),
  totpStatus: (_req, core) => core.totp().totpStatus(),
  totpEnable: (req, core) => core.totp().totpEnable(req.password),
  totpConfirm: (req, core) => core.totp().totpConfirm(req.code),
  totpDisable: (req, core) => core.totp().totpDisable(req.password, req.code),
};
