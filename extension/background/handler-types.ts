import type { ConnectionEntry } from '../../shared/schemas/connection-entry.ts';
import type { ClientCore } from '../core/contract.ts';
import type { CytoshareCore } from '../core/core.ts';
import type { RequestOf, RequestType, ResponseOf } from '../messages.ts';

/** The core the worker holds: the contract plus projects, files, trash, curation and the account's settings. */
export type HandlerCore = ClientCore & {
  connections(): Promise<ConnectionEntry[]>;
} & Pick<
    CytoshareCore,
    | 'showAs' | 'projects' | 'project' | 'curationQueue' | 'history' | 'uploadTicket' | 'downloadTicket' | 'density' | 'refresh'
    | 'whoami' | 'verifyEmail' | 'changeEmail' | 'setPurpose' | 'setGate' | 'setShareEmails' | 'changePassword' | 'totp' | 'reviewLinks' | 'addFigure' | 'setFigure' | 'removeFigure' | 'sending' | 'emit'
    | 'sharePeople' | 'waitingShares' | 'groups' | 'shareWithGroup' | 'api'
  >;

/** One answer per request type (extension/messages.ts). */
export type Handlers = { [T in RequestType]: (req: RequestOf<T>, core: HandlerCore) => Promise<ResponseOf<T>> };

/** An error with a stable code, which the handler answers as it is (see handler.ts `toRefusal`). */
export function coded(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
