import { ErrorCode } from '../codes.ts';
import { allow, refuse, type Verdict } from './verdict.ts';

/**
 * May a new file be called `name` in an experiment whose files have `existing` names? Sample
 * tags are keyed by file name, so two files of one name would share (and overwrite) their tags.
 * The client asks before uploading; the server decides in the document's queue.
 */
export function checkNewFileName(name: string, existing: Iterable<string>): Verdict {
  for (const taken of existing) {
    if (taken === name) return refuse(ErrorCode.FILE_NAME_TAKEN, `the experiment already has a file named ${JSON.stringify(name)}`, ['name']);
  }
  return allow;
}
