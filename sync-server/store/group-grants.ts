import type { GroupGrant } from '../../shared/schemas/entities.ts';
import type { ExperimentRecord, StoreTx } from './store.ts';

/** The groups shared with each of some experiments, as the sharing state carries them. */
export type GroupGrantsFor = (experimentIds: readonly string[]) => Promise<Map<string, Record<string, GroupGrant>>>;

/**
 * An adapter's experiment readers with the group grants filled in (`SharingState.groups`, absent
 * when none): every caller that reads an experiment sees access through groups, with the
 * groups' members as they are now.
 */
export function withGroupGrants(base: Pick<StoreTx, 'getExperiment' | 'getFamily'>, groupsFor: GroupGrantsFor): Pick<StoreTx, 'getExperiment' | 'getFamily'> {
  const fill = async (records: ExperimentRecord[]): Promise<ExperimentRecord[]> => {
    const grants = await groupsFor(records.map((r) => r.id));
    return records.map((r) => {
      const { groups: _stale, ...rest } = r;
      const own = grants.get(r.id);
      return own && Object.keys(own).length > 0 ? { ...rest, groups: own } : rest;
    });
  };
  return {
    async getExperiment(id) {
      const record = await base.getExperiment(id);
      return record ? ((await fill([record]))[0] ?? null) : null;
    },
    async getFamily(id) {
      return fill(await base.getFamily(id));
    },
  };
}

/** Rows of a group grant joined with its group and members, in any order, into grants by experiment. */
export function groupGrantsFromRows(rows: Array<{ experiment_id: string; group_id: string; name: string; granted_by: string; granted_at: number; username: string }>): Map<string, Record<string, GroupGrant>> {
  const out = new Map<string, Record<string, GroupGrant>>();
  for (const row of rows) {
    const grants = out.get(row.experiment_id) ?? {};
    const grant = grants[row.group_id] ?? { name: row.name, members: [], by: row.granted_by, at: Number(row.granted_at) };
    grant.members.push(row.username);
    grants[row.group_id] = grant;
    out.set(row.experiment_id, grants);
  }
  for (const grants of out.values()) for (const grant of Object.values(grants)) grant.members.sort();
  return out;
}

/** Rows of group-share views into the usernames that viewed each group's share. */
export function viewsByGroup(rows: ReadonlyArray<{ group_id: string; username: string }>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of rows) (out[row.group_id] ??= []).push(row.username);
  return out;
}
