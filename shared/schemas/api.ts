import { z } from 'zod';
import { Email, Password, ServerModeSchema, Username } from './entities.ts';

/** A 6-digit authenticator code or a recovery code as typed (spaces and dashes are dropped before checking). */
export const TotpCodeInput = z.string().min(1).max(64);

/** HTTP bodies. Requests are strict: an unknown field is a bad request, not ignored. */
/** `code`: the authenticator app's code or a recovery code, for an account with two-step sign-in. */
export const LoginRequest = z.strictObject({ username: Username, password: z.string().min(1).max(1024), code: TotpCodeInput.optional() });
export const SignupRequest = z.strictObject({ username: Username, email: Email, password: Password });
/** Changing one's own password: the current one proves it is the owner, not just a token holder. */
export const PasswordChangeRequest = z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: Password });

/** One of the caller's sessions, named by its public id (never the token or its hash). */
export const SessionInfo = z.strictObject({
  id: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  expiresAt: z.number(),
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;
/** Ends one session by id, or every session but the caller's. */
export const EndSessionsRequest = z.union([z.strictObject({ id: z.string().min(1).max(64) }), z.strictObject({ others: z.literal(true) })]);
export const EndSessionsResult = z.strictObject({ ended: z.number().int().nonnegative() });

export const Session = z.strictObject({
  token: z.string().min(32),
  username: Username,
  email: z.string(),
  staff: z.boolean(),
  expiresAt: z.number(),
  /** The server requires two-step sign-in and this account has not set it up: the session may only enrol. */
  totpEnrolmentRequired: z.boolean().optional(),
});
export type Session = z.infer<typeof Session>;

export const WhoAmI = z.strictObject({
  username: Username,
  email: z.string(),
  staff: z.boolean(),
  mode: ServerModeSchema,
  /** Whether the server mails this user when something is shared with them. */
  shareEmails: z.boolean().optional(),
  /** Whether `email` is an address the account proved ('' and false for a new account before its code). */
  emailVerified: z.boolean().optional(),
  /** An address waiting for the code mailed to it (a new account's, or a change). */
  pendingEmail: z.string().nullable().optional(),
  /** The server requires two-step sign-in and this account has not set it up yet. */
  totpEnrolmentRequired: z.boolean().optional(),
});
export type WhoAmI = z.infer<typeof WhoAmI>;

export const ServerInfo = z.strictObject({ name: z.literal('cytoshare'), protocol: z.number().int(), mode: ServerModeSchema });
export type ServerInfo = z.infer<typeof ServerInfo>;

export const ErrorBody = z.strictObject({
  code: z.string(),
  message: z.string(),
  path: z.array(z.string()).optional(),
  /** Specifics of the refusal, e.g. which FCS segment is wrong and the expected and actual offsets. */
  detail: z.record(z.string(), z.unknown()).optional(),
});

export const CurationRequest = z.strictObject({
  experimentId: z.string(),
  name: z.string(),
  owner: z.string(),
  requestedBy: z.string(),
  requestedAt: z.number(),
});
export type CurationRequest = z.infer<typeof CurationRequest>;
export type ErrorBody = z.infer<typeof ErrorBody>;

export const PreferencesRequest = z.strictObject({ shareEmails: z.boolean() });

/** `POST /api/verify`: the code mailed to the pending address. */
export const VerifyRequest = z.strictObject({ code: z.string().min(1).max(64) });
/** `POST /api/email`: a new address for the account; it takes effect once its code comes back. */
export const EmailChangeRequest = z.strictObject({ email: Email });
/** The answer to both: the address in force ('' if none yet), and the one waiting for its code. */
export const AddressState = z.strictObject({ email: z.string(), emailVerified: z.boolean(), pendingEmail: z.string().nullable() });
export type AddressState = z.infer<typeof AddressState>;

/** Two-step sign-in (TOTP). The secret is shown once, at enrolment, and never again. */
export const TotpStatus = z.strictObject({
  /** On: sign-in asks for a code. */
  enabled: z.boolean(),
  /** A secret was handed out and waits for its first code (`totp confirm`). */
  pending: z.boolean(),
  /** The server requires it of every account. */
  required: z.boolean(),
  recoveryCodesLeft: z.number().int().nonnegative(),
});
export type TotpStatus = z.infer<typeof TotpStatus>;
export const TotpEnableRequest = z.strictObject({ password: z.string().min(1).max(1024) });
export const TotpEnrolment = z.strictObject({ secret: z.string(), uri: z.string() });
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;
export const TotpConfirmRequest = z.strictObject({ code: TotpCodeInput });
export const TotpRecoveryCodes = z.strictObject({ recoveryCodes: z.array(z.string()) });
export const TotpDisableRequest = z.strictObject({ password: z.string().min(1).max(1024), code: TotpCodeInput });
