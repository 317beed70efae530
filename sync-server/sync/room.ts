import { ErrorCode } from '../../shared/codes.ts';
import { DocKind, writeProject, writeSharing } from '../../shared/doc-layout.ts';
import type { ProjectState } from '../../shared/schemas/project.ts';
import { CloseCode } from '../../shared/protocol/message-types.ts';
import type { Actor, SharingState } from '../../shared/schemas/entities.ts';
import { DocumentRelay, SERVER_ORIGIN } from './document-relay.ts';
import { canReadDoc } from './read-access.ts';

export { SERVER_ORIGIN, type RoomPeer, type ServerIds } from './document-relay.ts';

/**
 * A loaded document and the sockets open on it. Every change to the document, from a client or
 * from the server, runs through `run`, one at a time, so a rule is always checked against the
 * state it is applied to. Changes are persisted before anyone is told of them.
 */
export class DocRoom extends DocumentRelay {
  /** Server-owned sharing state of an experiment document; null for other kinds. */
  sharing: SharingState | null = null;
  /** The project of an experiment document (access through it), or of a project document. */
  project: ProjectState | null = null;

  /**
   * Another node changed who may read this document (its sharing or project): the new state,
   * read from the database, is installed without writing (that node wrote the document), and
   * whoever lost access here is cut off. A deleted experiment (null) closes the room.
   */
  readersChanged(sharing: SharingState | null, project: ProjectState | null): Promise<void> {
    if (this.ref.kind === DocKind.experiment && sharing === null) return this.close(async () => undefined);
    return this.run(() => {
      if (this.ref.kind === DocKind.experiment) this.sharing = sharing;
      this.project = project;
      this.evictNonReaders();
    });
  }

  canRead(actor: Actor): boolean {
    return canReadDoc(this.ref, this.sharing, this.project, actor, Date.now());
  }

  /**
   * Installs a new sharing state: mirrored into the document, then non-readers are cut off,
   * here and (`announce`) on the other server nodes, which read the state from the database.
   */
  async setSharing(state: SharingState, project: ProjectState | null, announce = true): Promise<void> {
    await this.run(() =>
      this.locked(async () => {
        this.sharing = state;
        this.project = project;
        await this.ensureServerId();
        this.doc.transact(() => writeSharing(this.doc, state, project), SERVER_ORIGIN);
        await this.flush(null);
        this.evictNonReaders();
      }),
    );
    if (announce) await this.store.bus?.publish({ t: 'access', doc: this.name });
  }

  /** A new state of the project this document depends on; cuts off whoever lost access (announced as `setSharing`). */
  async setProject(project: ProjectState | null, announce = true): Promise<void> {
    await this.applyProject(project);
    if (announce) await this.store.bus?.publish({ t: 'access', doc: this.name });
  }

  private applyProject(project: ProjectState | null): Promise<void> {
    return this.run(() => this.locked(async () => {
      this.project = project;
      if (project && this.ref.kind === DocKind.project) {
        await this.ensureServerId();
        this.doc.transact(() => writeProject(this.doc, project), SERVER_ORIGIN);
        await this.flush(null);
      }
      // An experiment of the project mirrors its people for readers outside the project.
      const sharing = this.sharing;
      if (sharing && this.ref.kind === DocKind.experiment) {
        this.doc.transact(() => writeSharing(this.doc, sharing, project), SERVER_ORIGIN);
        await this.flush(null);
      }
      this.evictNonReaders();
    }));
  }

  /**
   * The experiment is deleted for good: its readers are cut off, `removeStored` deletes what
   * storage holds of it, and from then on nothing of this room is stored again (neither a late
   * edit nor the compaction when it unloads, which would bring the deleted document back).
   * Closing and removing happen in one turn of the queue, so no change lands between them.
   */
  close(removeStored: () => Promise<void>): Promise<void> {
    return this.run(async () => {
      this.closed = true;
      this.sharing = null;
      this.project = null;
      this.evictNonReaders();
      await removeStored();
    });
  }

  /** Closes every socket whose account may no longer read this document, telling it why. */
  evictNonReaders(): void {
    for (const peer of [...this.peers]) {
      if (this.canRead(peer.actor)) continue;
      this.peers.delete(peer);
      peer.control({ t: 'closing', code: ErrorCode.ACCESS_REVOKED, message: 'your access to this document was removed' });
      peer.close(CloseCode.notAReader, ErrorCode.ACCESS_REVOKED);
    }
  }

}
