import type { CurationRequest } from '../../shared/schemas/api.ts';
import type { HistoryAnswer } from '../../shared/audit/history-chain.ts';
import { docName, fileNames } from '../../shared/doc-layout.ts';
import type { DensityAnswer, DensityQuery } from '../../shared/plot/answer.ts';
import { checkNewFileName } from '../../shared/rules/files.ts';
import type { UploadResult } from '../../shared/schemas/files.ts';
import type { GroupShareAnswer, GroupShareRequest, GroupSummary } from '../../shared/schemas/groups.ts';
import type { UploadBody } from './api.ts';
import { RuleRefusal } from './contract.ts';
import { CoreSession } from './core-session.ts';

/**
 * What the client core asks the server at once, online only, with no replica or draft: FCS
 * files (uploads, downloads, density plots), an experiment's sharing history, groups and the
 * curation queue.
 */
export abstract class CoreOnline extends CoreSession {
  /** Files travel over HTTP when online; the server checks the rights of the capability table. */
  async uploadFile(experimentId: string, name: string, bytes: UploadBody): Promise<UploadResult> {
    this.requireSession();
    await this.checkFileName(experimentId, name);
    return this.api().uploadFile(experimentId, name, bytes);
  }
  /** The one-name-per-file rule on the replica, before any byte travels; the server decides again. */
  private async checkFileName(experimentId: string, name: string): Promise<void> {
    const doc = docName.experiment(experimentId);
    if (!(await this.store.docNames()).includes(doc)) return;
    const verdict = checkNewFileName(name, fileNames(await this.store.openDoc(doc)));
    if (!verdict.ok) throw new RuleRefusal(verdict.code, verdict.message, verdict.path);
  }
  /**
   * A one-time ticket for a page that uploads a file itself (to show progress): the URL to PUT
   * the bytes to, valid for one upload into this experiment. The session token stays here.
   */
  async uploadTicket(experimentId: string, name: string): Promise<{ url: string; expiresAt: number }> {
    this.requireSession();
    await this.checkFileName(experimentId, name);
    return this.api().uploadTicket(experimentId, name);
  }
  /** A one-time URL from which the browser itself streams one file to disk. */
  downloadTicket(experimentId: string, fileId: string): Promise<{ url: string; expiresAt: number }> {
    this.requireSession();
    return this.api().downloadTicket(experimentId, fileId);
  }
  /** The server's density plot of one file: counts per bin and per gate (read access is enough). */
  density(experimentId: string, fileId: string, query: DensityQuery): Promise<DensityAnswer> {
    this.requireSession();
    return this.api().density(experimentId, fileId, query);
  }
  downloadFile(experimentId: string, fileId: string): Promise<Uint8Array> {
    this.requireSession();
    return this.api().downloadFile(experimentId, fileId);
  }
  /** The bytes as they arrive, for the command line to write to disk without holding them. */
  downloadFileStream(experimentId: string, fileId: string): Promise<ReadableStream<Uint8Array>> {
    this.requireSession();
    return this.api().downloadFileStream(experimentId, fileId);
  }
  curationQueue(): Promise<CurationRequest[]> {
    this.requireSession();
    return this.api().curationQueue();
  }
  /** An experiment's sharing history; online only, it lives on the server. */
  history(experimentId: string): Promise<HistoryAnswer> {
    this.requireSession();
    return this.api().history(experimentId);
  }

  /** The user's groups (owned or joined); online only, groups live on the server. */
  groups(): Promise<GroupSummary[]> {
    this.requireSession();
    return this.api().groups();
  }

  /** Shares the experiment with one of the user's groups (or, with `unshare`, stops); online only. */
  shareWithGroup(request: GroupShareRequest): Promise<GroupShareAnswer> {
    this.requireSession();
    return this.api().shareWithGroup(request);
  }
}
