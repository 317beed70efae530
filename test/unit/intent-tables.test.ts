import { describe, expect, it } from 'vitest';
import { intentActions } from '../../shared/actions/intent-table.ts';
import { Intent, IntentType } from '../../shared/schemas/intents.ts';
import { serverIntents } from '../../sync-server/intents/intent-table.ts';
import { Request, responseSchemas } from '../../extension/messages.ts';

/**
 * Every intent the schema accepts is registered exactly once on each side: the client's table
 * (schema, rule, description) and the server's (decision, effects). The tables are typed
 * `satisfies { [T in IntentType]: … }`, so a missing entry fails to compile; this checks the
 * same at run time against the union itself, which the type cannot see.
 */
const unionTypes = Intent.options.map((option) => option.shape.type.value).sort();

describe('the intent tables', () => {
  it('name every intent of the schema union once, and nothing else', () => {
    expect(new Set(unionTypes).size).toBe(unionTypes.length);
    expect([...Object.values(IntentType)].sort()).toEqual(unionTypes);
    expect(Object.keys(intentActions).sort()).toEqual(unionTypes);
    expect(Object.keys(serverIntents).sort()).toEqual(unionTypes);
  });

  it('give each intent its own member of the union as its schema', () => {
    for (const option of Intent.options) {
      const type = option.shape.type.value;
      expect(intentActions[type].schema).toBe(option);
      const made: string | undefined = (intentActions[type] as { makes?: string }).makes;
      if (made !== undefined) expect(Object.keys(option.shape)).toContain(made);
    }
  });

  it('give the pages one request and one answer per intent, under distinct names', () => {
    const messages = Object.values(intentActions).map((entry) => entry.message);
    expect(new Set(messages).size).toBe(messages.length);
    const requests = new Set(Request.options.map((option) => option.shape.type.value));
    for (const message of messages) {
      expect(requests.has(message)).toBe(true);
      expect(Object.keys(responseSchemas)).toContain(message);
    }
  });
});
