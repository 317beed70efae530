import { describe, expect, it } from 'vitest';
import { Intent, IntentResult } from '../../shared/schemas/intents.ts';
import type { IntentDeps } from '../../sync-server/intents/intent-deps.ts';
import { IntentExecutor } from '../../sync-server/intents/intent-executor.ts';

/**
 * A resent draft gets the verdict stored the first time, read back through the IntentResult
 * schema; a stored verdict that does not read is refused with a stable code, never decided
 * again, and logged without its text.
 */
const alice = { username: 'alice', staff: false };
const intent = Intent.parse({ id: 'draft-0001', type: 'accept', user: 'bob' });

/** An executor over a store that holds `stored` as the draft's verdict; deciding anew fails the test. */
function executorWith(stored: string) {
  const logged: Array<{ event: string; fields: Record<string, unknown> }> = [];
  const record = (event: string, fields: Record<string, unknown> = {}) => logged.push({ event, fields });
  const store = {
    findIntentResult: async (username: string, draftId: string) => (username === 'alice' && draftId === intent.id ? stored : null),
    lockNamed: <T>(_name: string, work: () => Promise<T>) => work(),
    saveIntentResult: async () => {
      throw new Error('a resent draft was decided again');
    },
  };
  const deps = { store, log: { info: record, warn: record, error: record } } as unknown as IntentDeps;
  return { executor: new IntentExecutor(deps), logged };
}

describe('a resent draft', () => {
  it('gets the stored verdict back, marked resent', async () => {
    const first: IntentResult = { ok: true, draftId: intent.id, affected: [], skipped: [], resent: false };
    const { executor, logged } = executorWith(JSON.stringify(first));
    expect(await executor.execute(alice, intent)).toEqual({ ...first, resent: true });
    expect(logged).toEqual([]);
  });

  it.each([
    ['not JSON', '{"ok":true,'],
    ['of another shape', JSON.stringify({ ok: true, draftId: 'draft-0001', affected: 'e1', secretNote: 'hunter2-stored' })],
    ['a bare value', '"hunter2-stored"'],
  ])('whose stored verdict is %s is refused with STORED_RESULT_UNREADABLE, logged without the stored text', async (_what, stored) => {
    const { executor, logged } = executorWith(stored);
    const answer = await executor.execute(alice, intent);
    expect(IntentResult.parse(answer)).toMatchObject({ ok: false, draftId: intent.id, code: 'STORED_RESULT_UNREADABLE', resent: true });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ event: 'stored intent result unreadable', fields: { user: 'alice', draft: intent.id, type: 'accept' } });
    const line = JSON.stringify(logged);
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain(stored);
  });
});
