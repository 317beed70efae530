import { useState } from 'preact/hooks';
import type { Request } from '../messages.ts';
import { describe, errorCode } from './describe.ts';
import { send } from './rpc.ts';

/**
 * Sends a request to the worker and keeps the last refusal in plain words for the view to show.
 * `act` resolves to whether the request was accepted, so a form can clear itself on success.
 */
export function useAction(): { act: (request: Request) => Promise<boolean>; refusal: string | null; setRefusal: (r: string | null) => void } {
  const [refusal, setRefusal] = useState<string | null>(null);
  const act = async (request: Request) => {
    setRefusal(null);
    try {
      await send(request);
      return true;
    } catch (failure) {
      setRefusal(describe(errorCode(failure)));
      return false;
    }
  };
  return { act, refusal, setRefusal };
}
