import { describe, expect } from 'vitest';
import type { ExperimentRecord } from '../../sync-server/store/store.ts';
import { eachStore, experiment, user } from './support/store-contract.ts';

/**
 * The store contract for groups and their shares, and transfers of ownership, on every adapter
 * (the set-up is in support/store-contract.ts).
 */
eachStore({}, (it) => {
  describe('groups', () => {
    const lab = { id: 'g-00000000000000aa', name: 'lab', owner: 'gina', members: ['mia', 'gina'], createdAt: 4 };

    it('keeps a group with its owner among its members, lists it for each member, and counts what an account owns', async ({ store }) => {
      await store.createGroup(lab);
      await store.createGroup({ ...lab, id: 'g-00000000000000bb', name: 'course', members: [] });
      expect(await store.getGroup(lab.id)).toEqual({ ...lab, members: ['gina', 'mia'] });
      expect(await store.getGroup('g-0000000000000000')).toBeNull();
      expect((await store.groupsOf('gina')).map((g) => g.name)).toEqual(['course', 'lab']);
      expect((await store.groupsOf('mia')).map((g) => g.id)).toEqual([lab.id]);
      expect(await store.groupsOf('sam')).toEqual([]);
      expect(await store.ownedGroupCount('gina')).toBe(2);
      expect(await store.ownedGroupCount('mia')).toBe(0);
    });

    it('adds and removes members, saying whether anything changed', async ({ store }) => {
      await store.createGroup(lab);
      expect(await store.setGroupMember(lab.id, 'max', true, 5)).toBe(true);
      expect(await store.setGroupMember(lab.id, 'max', true, 6)).toBe(false);
      expect(await store.setGroupMember(lab.id, 'mia', false, 7)).toBe(true);
      expect(await store.setGroupMember(lab.id, 'mia', false, 8)).toBe(false);
      expect((await store.getGroup(lab.id))?.members).toEqual(['gina', 'max']);
    });

    it('reads a group share back into the sharing state with the members as they are now, and forgets it with the group', async ({ store }) => {
      await store.createGroup(lab);
      await store.addUser(user('olivia'));
      await store.saveExperiments([experiment('e1', 'olivia'), experiment('e2', 'olivia', { parentId: 'e1' })]);
      await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
      await store.saveGroupGrant('e1', lab.id, 'olivia', 10);
      expect((await store.getExperiment('e1'))?.groups).toEqual({ [lab.id]: { name: 'lab', members: ['gina', 'mia'], by: 'olivia', at: 9 } });
      expect((await store.getExperiment('e2'))?.groups).toBeUndefined();
      await store.setGroupMember(lab.id, 'max', true, 11);
      const family = await store.getFamily('e2');
      expect(family.find((e) => e.id === 'e1')?.groups?.[lab.id]?.members).toEqual(['gina', 'max', 'mia']);
      expect(await store.groupExperiments(lab.id)).toEqual(['e1']);
      // Saving a record read with its groups leaves the group share as it is.
      await store.saveExperiments([(await store.getExperiment('e1')) as ExperimentRecord]);
      expect(await store.groupExperiments(lab.id)).toEqual(['e1']);
      expect(await store.deleteGroupGrant('e1', lab.id)).toBe(true);
      expect(await store.deleteGroupGrant('e1', lab.id)).toBe(false);
      expect((await store.getExperiment('e1'))?.groups).toBeUndefined();
      await store.saveGroupGrant('e1', lab.id, 'olivia', 12);
      await store.deleteGroup(lab.id);
      expect(await store.getGroup(lab.id)).toBeNull();
      expect((await store.getExperiment('e1'))?.groups).toBeUndefined();
      expect(await store.groupsOf('mia')).toEqual([]);
    });

    it('counts an experiment shared through a group as shared between its people, while it is', async ({ store }) => {
      await store.createGroup(lab);
      await store.addUser(user('olivia'));
      await store.saveExperiments([experiment('e1', 'olivia')]);
      expect(await store.sharedExperimentCount('olivia', 'mia')).toBe(0);
      await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
      expect(await store.sharedExperimentCount('olivia', 'mia')).toBe(1);
      expect(await store.sharedExperimentCount('gina', 'mia')).toBe(1);
      expect(await store.sharingPairs()).toEqual(expect.arrayContaining([['mia', 'olivia']]));
      await store.deleteGroupGrant('e1', lab.id);
      expect(await store.sharedExperimentCount('olivia', 'mia')).toBe(0);
    });

    it('marks each group share reaching a member viewed for that member only, and forgets it with the share', async ({ store }) => {
      const course = { ...lab, id: 'g-00000000000000cc', name: 'course', members: ['mia', 'max'] };
      await store.createGroup(lab);
      await store.createGroup(course);
      await store.addUser(user('olivia'));
      await store.saveExperiments([experiment('e1', 'olivia')]);
      await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
      await store.saveGroupGrant('e1', course.id, 'olivia', 10);
      expect(await store.groupShareViews('e1')).toEqual({});
      await store.setViewed('e1', 'mia');
      await store.setViewed('e1', 'sam');
      expect(await store.groupShareViews('e1')).toEqual({ [lab.id]: ['mia'], [course.id]: ['mia'] });
      await store.setViewed('e1', 'max');
      expect((await store.groupShareViews('e1'))[course.id]).toEqual(['max', 'mia']);
      await store.deleteGroupGrant('e1', lab.id);
      expect(await store.groupShareViews('e1')).toEqual({ [course.id]: ['max', 'mia'] });
      await store.saveGroupGrant('e1', lab.id, 'olivia', 11);
      expect((await store.groupShareViews('e1'))[lab.id]).toBeUndefined();
    });

    it('drops the group shares of a deleted experiment', async ({ store }) => {
      await store.createGroup(lab);
      await store.addUser(user('olivia'));
      await store.saveExperiments([experiment('e1', 'olivia')]);
      await store.saveGroupGrant('e1', lab.id, 'olivia', 9);
      await store.deleteExperiment('e1');
      expect(await store.groupExperiments(lab.id)).toEqual([]);
    });
  });

  describe('transfers of ownership', () => {
    const offer = {
      id: 't-00000000000000aa', experimentId: 'exp-transfer1', giver: 'olivia', receiver: 'rob', leave: false, family: true,
      experiments: ['exp-transfer1', 'exp-transfer2'], status: 'pending' as const, createdAt: 5, decidedAt: null,
    };

    it('keeps offers pending by giver and by receiver, one per experiment, and closes each once', async ({ store }) => {
      await store.saveTransfer(offer);
      await store.saveTransfer({ ...offer, id: 't-00000000000000bb', experimentId: 'exp-transfer3', experiments: ['exp-transfer3'], receiver: 'sam', leave: true, family: false, createdAt: 6 });
      expect(await store.getTransfer(offer.id)).toEqual(offer);
      expect(await store.getTransfer('t-0000000000000000')).toBeNull();
      expect((await store.pendingTransfers({ giver: 'olivia' })).map((t) => t.id)).toEqual([offer.id, 't-00000000000000bb']);
      expect((await store.pendingTransfers({ receiver: 'sam' }))[0]).toMatchObject({ leave: true, family: false, experiments: ['exp-transfer3'] });
      expect(await store.pendingTransfers({ giver: 'olivia', receiver: 'rob' })).toEqual([offer]);
      expect(await store.pendingTransfers({})).toEqual([]);
      // A second pending offer naming the same experiment is refused by the database itself.
      await expect(store.saveTransfer({ ...offer, id: 't-00000000000000cc' })).rejects.toThrow();
      expect(await store.decideTransfer(offer.id, 'accepted', 9)).toBe(true);
      expect(await store.decideTransfer(offer.id, 'declined', 10)).toBe(false);
      expect(await store.getTransfer(offer.id)).toEqual({ ...offer, status: 'accepted', decidedAt: 9 });
      expect((await store.pendingTransfers({ receiver: 'rob' }))).toEqual([]);
      // Decided, the experiment may be offered again.
      await store.saveTransfer({ ...offer, id: 't-00000000000000dd' });
      expect(await store.transaction(async (tx) => tx.decideTransfer('t-00000000000000dd', 'cancelled', 11))).toBe(true);
      expect((await store.getTransfer('t-00000000000000dd'))?.status).toBe('cancelled');
    });

    it('saves a new owner with the rest of the sharing state', async ({ store }) => {
      for (const u of ['olivia', 'rob']) await store.addUser(user(u));
      await store.saveExperiments([experiment('exp-transfer1', 'olivia', { grants: { rob: { by: 'olivia', at: 3 } } })]);
      await store.saveExperiments([experiment('exp-transfer1', 'rob', { grants: { olivia: { by: 'rob', at: 4 } } })]);
      expect(await store.getExperiment('exp-transfer1')).toMatchObject({ owner: 'rob', grants: { olivia: { by: 'rob', at: 4 } } });
      expect(await store.experimentsOf('rob')).toEqual(['exp-transfer1']);
      expect(await store.experimentsOf('olivia')).toEqual(['exp-transfer1']);
    });
  });
});
