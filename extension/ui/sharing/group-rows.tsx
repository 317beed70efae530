import type { View } from '../../messages.ts';
import type { SharePerson } from '../../core/share-people.ts';
import type { GroupSummary } from '../../../shared/schemas/groups.ts';

/**
 * The groups an experiment is shared with, one row each with its member count (each member is
 * also listed among the people, "through group …"), and a Remove for whoever manages sharing.
 */
export function GroupRows(props: { view: View; lock: string | null; onRemove: (groupId: string) => void }) {
  const groups = Object.entries(props.view.groups ?? {}).sort(([, a], [, b]) => a.name.localeCompare(b.name));
  if (groups.length === 0) return null;
  return (
    <ul class="access-list groups" aria-label="Groups with access">
      {groups.map(([id, g]) => (
        <li key={id} data-testid={`group-${g.name}`}>
          <span class="who">@{g.name}</span>
          <span class="why">Group · {g.members.length} member{g.members.length === 1 ? '' : 's'} · full access</span>
          {props.view.can.manageSharing && (
            <button type="button" disabled={props.lock !== null} onClick={() => props.onRemove(id)} aria-label={`Remove group ${g.name}`}>
              Remove
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Your groups as `@name` suggestions in the "Share with" field. */
export function groupSuggestions(groups: GroupSummary[]): SharePerson[] {
  return groups.map((g) => ({ user: `@${g.name}`, email: null, connected: true, projects: [`${g.members.length} member${g.members.length === 1 ? '' : 's'}`] }));
}
