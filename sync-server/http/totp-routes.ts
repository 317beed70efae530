import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../shared/codes.ts';
import { TotpConfirmRequest, TotpDisableRequest, TotpEnableRequest, type TotpEnrolment, type TotpStatus } from '../../shared/schemas/api.ts';
import { clientAddressKey } from '../auth/client-address.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { matchingStep, newRecoveryCodes, newTotpSecret, openSecret, sealSecret, useCode } from '../auth/totp.ts';
import { admit, queueFull } from './account-routes.ts';
import { signedIn } from './signed-in.ts';
import { HttpError, readBody, sendJson } from './json.ts';
import type { HttpDeps, HttpRoute } from './http-deps.ts';

/**
 * Two-step sign-in of the caller's own account: status, enrolment (the secret is shown once and
 * takes effect only after a first code proves the app holds it), and turning it off (password
 * and a code). A session limited to enrolment (see `Scope`) may call all but `disable`.
 */
export const totpRoutes: Record<string, HttpRoute> = {
  'GET /api/totp': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store, 'enrolment');
    const record = await deps.store.totpOf(actor.username);
    const status: TotpStatus = {
      enabled: record?.confirmedAt != null,
      pending: record != null && record.confirmedAt === null,
      required: await deps.store.totpRequired(),
      recoveryCodesLeft: record?.confirmedAt != null ? record.recoveryCodesLeft : 0,
    };
    sendJson(res, 200, status);
  },

  /** Hands out a new secret (replacing one still waiting for its first code); the password proves the owner, not just a token holder. */
  'POST /api/totp/enable': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store, 'enrolment');
    const body = await readBody(req, TotpEnableRequest);
    await withPassword(req, res, deps, actor.username, body.password, 'two-step enable', async () => true);
    if ((await deps.store.totpOf(actor.username))?.confirmedAt != null) throw new HttpError(409, ErrorCode.TOTP_ALREADY_ON);
    const enrolment: TotpEnrolment = newTotpSecret(actor.username);
    if (!(await deps.store.startTotp(actor.username, sealSecret(deps.totpKey, enrolment.secret), Date.now()))) throw new HttpError(409, ErrorCode.TOTP_ALREADY_ON);
    deps.log.info('two-step sign-in enrolment started', { user: actor.username });
    sendJson(res, 200, enrolment);
  },

  /** The first code switches the factor on; the recovery codes are answered here once and kept only as hashes. */
  'POST /api/totp/confirm': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store, 'enrolment');
    const { code } = await readBody(req, TotpConfirmRequest);
    const record = await deps.store.totpOf(actor.username);
    if (!record || record.confirmedAt !== null) throw new HttpError(409, ErrorCode.TOTP_NOT_ON);
    // The first code answers the recovery codes: a stolen token must not guess it freely, so wrong
    // ones count in the login throttle (shared by every node); a right one resets nothing.
    const attempt = await admit(res, deps, actor.username, clientAddressKey(req.socket.remoteAddress), 'two-step confirm');
    const secret = openSecret(deps.totpKey, record.sealedSecret);
    const now = Date.now();
    const step = secret === null ? null : matchingStep(secret, code, now);
    if (step === null) {
      await attempt.failed();
      throw new HttpError(401, ErrorCode.BAD_TOTP_CODE);
    }
    await attempt.abandoned();
    const { codes, hashes } = newRecoveryCodes();
    if (!(await deps.store.confirmTotp(actor.username, step, hashes, now))) throw new HttpError(409, ErrorCode.TOTP_NOT_ON);
    deps.log.info('two-step sign-in on', { user: actor.username });
    sendJson(res, 200, { recoveryCodes: codes });
  },

  /** Needs the password and a current (or recovery) code: a stolen token alone cannot weaken the account. */
  'POST /api/totp/disable': async (req, res, deps) => {
    const { actor } = await signedIn(req, deps.store);
    const body = await readBody(req, TotpDisableRequest);
    if ((await deps.store.totpOf(actor.username))?.confirmedAt == null) throw new HttpError(409, ErrorCode.TOTP_NOT_ON);
    await withPassword(req, res, deps, actor.username, body.password, 'two-step disable', async () =>
      (await useCode(deps.store, deps.totpKey, actor.username, body.code)) !== null,
    );
    await deps.store.deleteTotp(actor.username);
    deps.log.info('two-step sign-in off', { user: actor.username });
    sendJson(res, 200, { enabled: false });
  },
};

/**
 * Checks the account's password (and then `alsoGood`, e.g. a code) under the login throttle, as
 * a password change does: a stolen token must not turn into free guesses. Either wrong counts as
 * one failure and answers BAD_CREDENTIALS or BAD_TOTP_CODE.
 */
async function withPassword(req: IncomingMessage, res: ServerResponse, deps: HttpDeps, username: string, password: string, what: string, alsoGood: () => Promise<boolean>): Promise<void> {
  const address = clientAddressKey(req.socket.remoteAddress);
  const attempt = await admit(res, deps, username, address, what);
  try {
    const user = await deps.store.findUser(username);
    const good = user !== null && (await deps.hashes.run(address, () => verifyPassword(password, user.passwordHash)));
    if (!good) {
      await attempt.failed();
      deps.log.warn(`${what} refused`, { user: username, address, reason: 'bad credentials' });
      throw new HttpError(401, ErrorCode.BAD_CREDENTIALS);
    }
    if (!(await alsoGood())) {
      await attempt.failed();
      deps.log.warn(`${what} refused`, { user: username, address, reason: 'bad second-factor code' });
      throw new HttpError(401, ErrorCode.BAD_TOTP_CODE);
    }
    await attempt.succeeded();
  } catch (error) {
    await attempt.abandoned();
    throw queueFull(res, error);
  }
}
