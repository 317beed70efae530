import type { SharingState } from '../../shared/schemas/entities.ts';
import type { ExperimentRecord } from './store-records.ts';

/** The sharing state the rules read, from the stored record (without its name and creation time). */
export function sharingOf(record: ExperimentRecord): SharingState {
  const { name: _name, createdAt: _createdAt, ...sharing } = record;
  return sharing;
}
