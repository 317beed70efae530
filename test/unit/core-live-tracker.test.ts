import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, IndexRoot } from '../../shared/doc-layout.ts';
import type { Draft, EditDraft, IntentDraft } from '../../extension/core/contract.ts';
import { EditTracker, type TrackerEvent } from '../../extension/core/edit-tracker.ts';
import { awaitingCreation, indexChanges, indexedDocNames, PREFETCH_AT_ONCE, prefetchBatch, wantedDocs } from '../../extension/core/live-plan.ts';

/** The pieces of live mode that need no socket: the tracker's memory and the plan (the job runner: coalesced-job.test.ts). */
const draft = (id: string, client: number, clockStart: number, clockEnd: number, experimentId = 'exp00000001'): EditDraft => ({
  kind: 'edit', id, experimentId, description: id, state: 'pending', createdAt: 1,
  docName: docName.experiment(experimentId), client, clockStart, clockEnd,
});
const outcome = (events: TrackerEvent[]) => events.map((e) => (e.type === 'settled' ? `${e.draft.id}:${e.draft.state}${e.draft.code ? `:${e.draft.code}` : ''}` : e.type));

describe('EditTracker remembers answers that come before the draft', () => {
  it('an ack received before add settles the draft on add', () => {
    const tracker = new EditTracker([], () => 5);
    expect(tracker.handle({ t: 'ack', clients: { '7': 3 } })).toEqual([]);
    expect(tracker.add(draft('a', 7, 0, 3))).toEqual([{ type: 'settled', draft: { ...draft('a', 7, 0, 3), state: 'accepted', settledAt: 5 } }]);
    expect(tracker.size).toBe(0);
  });

  it('an ack short of clockEnd, or for another client, leaves the added draft pending until a later ack', () => {
    const tracker = new EditTracker();
    tracker.handle({ t: 'ack', clients: { '7': 2, '9': 50 } });
    expect(tracker.add(draft('a', 7, 2, 4))).toEqual([]);
    expect(tracker.size).toBe(1);
    expect(outcome(tracker.handle({ t: 'ack', clients: { '7': 4 } }))).toEqual(['a:accepted']);
  });

  it('the highest clock is kept: an older ack arriving late does not lower it', () => {
    const tracker = new EditTracker();
    tracker.handle({ t: 'ack', clients: { '7': 9 } });
    tracker.handle({ t: 'ack', clients: { '7': 3 } });
    expect(outcome(tracker.add(draft('a', 7, 5, 9)))).toEqual(['a:accepted']);
  });

  it('a refused range received before add rejects an overlapping draft, even once a later ack covers it', () => {
    const tracker = new EditTracker();
    tracker.handle({ t: 'refused', code: 'READ_ONLY', message: 'no edit right', ranges: [{ client: 7, clock: 2, length: 1 }] });
    tracker.handle({ t: 'ack', clients: { '7': 4 } });
    expect(outcome(tracker.add(draft('a', 7, 0, 2)))).toEqual(['a:accepted']);
    const events = tracker.add(draft('b', 7, 2, 4));
    expect(outcome(events)).toEqual(['b:rejected:READ_ONLY']);
    expect(events[0]).toMatchObject({ draft: { message: 'no edit right' } });
  });

  it('a known server vector counts as acknowledged for drafts added later', () => {
    const tracker = new EditTracker();
    expect(tracker.acceptCovered(new Map([[7, 6]]))).toEqual([]);
    expect(outcome(tracker.add(draft('a', 7, 0, 6)))).toEqual(['a:accepted']);
  });

  it('a draft settled here is not tracked again when a stale copy is re-added from the store', () => {
    const tracker = new EditTracker([draft('a', 7, 0, 2)]);
    expect(outcome(tracker.handle({ t: 'ack', clients: { '7': 2 } }))).toEqual(['a:accepted']);
    expect(tracker.add(draft('a', 7, 0, 2))).toEqual([]);
    expect(tracker.add(draft('a', 7, 0, 2))).toEqual([]);
    expect(tracker.size).toBe(0);
  });

  it('adding the same pending draft twice tracks it once', () => {
    const tracker = new EditTracker();
    tracker.add(draft('a', 7, 0, 2));
    tracker.add(draft('a', 7, 0, 2));
    expect(tracker.size).toBe(1);
  });
});

describe('live plan: which documents keep a socket', () => {
  const index = () => {
    const doc = new Y.Doc();
    const experiments = doc.getMap(IndexRoot.experiments);
    for (let i = 0; i < 100; i++) experiments.set(`exp${String(i).padStart(8, '0')}`, {});
    doc.getMap(IndexRoot.projects).set('proj0001x', { id: 'proj0001x', name: 'P', role: 'member' });
    return doc;
  };
  const intent = (id: string, body: IntentDraft['intent']): IntentDraft => ({ kind: 'intent', id, experimentId: '', description: id, state: 'pending', createdAt: 1, intent: body });

  it('a hundred listed experiments need no socket; fixed documents and projects always do', () => {
    expect([...wantedDocs({ me: 'alice', index: index(), drafts: [], watched: [], blocked: new Set(), indexSynced: true })].sort()).toEqual(
      ['conn-alice', 'idx-alice', 'proj-proj0001x'],
    );
  });

  it('watched experiments and experiments with pending edits do; settled edits, blocked docs and pending creations do not', () => {
    const drafts: Draft[] = [
      draft('a', 7, 0, 1, 'exp00000001'),
      { ...draft('b', 7, 1, 2, 'exp00000002'), state: 'accepted' },
      draft('c', 7, 0, 1, 'newexp0001'),
      intent('d0000001', { id: 'd0000001', type: 'create', experimentId: 'newexp0001', name: 'New' }),
      draft('e', 7, 0, 1, 'exp00000005'),
    ];
    const wanted = wantedDocs({ me: 'alice', index: index(), drafts, watched: ['exp00000003', 'public0001'], blocked: new Set(['exp-exp00000005']), indexSynced: true });
    expect([...wanted].filter((n) => n.startsWith('exp-')).sort()).toEqual(['exp-exp00000001', 'exp-exp00000003', 'exp-public0001']);
  });

  it('edits wait for the first index sync; watched experiments do not', () => {
    const wanted = wantedDocs({ me: 'alice', index: index(), drafts: [draft('a', 7, 0, 1, 'exp00000001')], watched: ['exp00000002'], blocked: new Set(), indexSynced: false });
    expect([...wanted].filter((n) => n.startsWith('exp-'))).toEqual(['exp-exp00000002']);
  });

  it('clone and export-gate targets wait for their intent too', () => {
    const drafts = [
      intent('d0000001', { id: 'd0000001', type: 'clone', experimentId: 'exp00000001', newId: 'clone00001', linked: false }),
      intent('d0000002', { id: 'd0000002', type: 'export-gate', experimentId: 'exp00000001', gateId: 'gate00000001', newId: 'gated00001' }),
    ];
    expect([...awaitingCreation(drafts)].sort()).toEqual(['clone00001', 'gated00001']);
  });

  it('indexChanges names what the index dropped and what it gained', () => {
    const before = indexedDocNames(index());
    const doc = index();
    doc.getMap(IndexRoot.experiments).delete('exp00000004');
    doc.getMap(IndexRoot.experiments).set('zz000000new', {});
    expect(indexChanges(before, indexedDocNames(doc))).toEqual({ gone: ['exp-exp00000004'], appeared: ['exp-zz000000new'] });
  });
});

describe('prefetchBatch: listed experiments this device never held are fetched a few at a time', () => {
  const indexWith = (ids: string[]) => {
    const doc = new Y.Doc();
    for (const id of ids) doc.getMap('experiments').set(id, { id });
    return doc;
  };
  const ids = Array.from({ length: 10 }, (_, i) => `exp-prefetch-${String(i).padStart(2, '0')}`);
  it('takes only unheld, unblocked, existing experiments, up to the batch size', () => {
    const stored = new Set([docName.experiment(ids[0]!)]);
    const blocked = new Set([docName.experiment(ids[1]!)]);
    const creating = new Set([ids[2]!]);
    const batch = prefetchBatch(indexWith(ids), stored, new Set(), blocked, creating);
    expect(batch).toEqual(ids.slice(3, 3 + PREFETCH_AT_ONCE).map((id) => docName.experiment(id)));
  });
  it('counts fetches in flight against the batch', () => {
    const inFlight = new Set(ids.slice(0, PREFETCH_AT_ONCE - 1).map((id) => docName.experiment(id)));
    expect(prefetchBatch(indexWith(ids), new Set(), inFlight, new Set(), new Set())).toEqual([docName.experiment(ids[PREFETCH_AT_ONCE - 1]!)]);
  });
});
