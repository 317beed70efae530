import type { Handlers } from './handler-types.ts';

/** The worker's answers for the settings page: the address, mail preferences, the password, two-step sign-in. */
type AccountRequests = 'address' | 'verifyEmail' | 'changeEmail' | 'settings' | 'setPreferences' | 'changePassword' | 'totpStatus' | 'totpEnable' | 'totpConfirm' | 'totpDisable';

export const accountHandlers: Pick<Handlers, AccountRequests> = {
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
