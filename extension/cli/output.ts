import { describeCode, ErrorCode } from '../../shared/codes.ts';
import type { Draft } from '../core/contract.ts';

/**
 * What the CLI prints and the status it exits with. stdout carries results (JSON with
 * --json); stderr carries `error CODE: words`. Exit codes are part of the command-line
 * contract: 0 done, 2 usage, 3 refused, 4 not signed in, 5 server unreachable.
 */
export const Exit = { ok: 0, failure: 1, usage: 2, refused: 3, auth: 4, unreachable: 5 } as const;
export type Exit = (typeof Exit)[keyof typeof Exit];

export class CliExit extends Error {
  constructor(readonly status: Exit) {
    super(`exit ${status}`);
  }
}

export class Output {
  constructor(readonly json: boolean) {}

  result(value: unknown, human: string): void {
    process.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : human.length > 0 ? `${human}\n` : '');
  }

  /** A failure whose details are already in the printed result (a draft): stderr only. */
  warn(code: string, message: string): void {
    process.stderr.write(`error ${code}: ${words(code, message)}\n`);
  }

  /**
   * Reports a coded failure on stderr (and stdout in JSON mode) and returns the exit status.
   * `detail` is said after the code's words, so plain output is as specific as --json.
   */
  error(code: string, message: string, status: Exit, detail?: string): CliExit {
    process.stderr.write(`error ${code}: ${words(code, message)}${detail ? ` ${detail}` : ''}\n`);
    if (this.json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    return new CliExit(status);
  }
}

export function words(code: string, fallback: string): string {
  return Object.hasOwn(ErrorCode, code) ? describeCode(code as ErrorCode) : fallback;
}

export function draftLine(d: Draft): string {
  const verdict = d.state === 'rejected' ? `rejected ${d.code ?? ''}: ${words(d.code ?? '', d.message ?? '')}` : d.state;
  return `${d.id}  ${d.experimentId}  ${d.description}  [${verdict}]`;
}

export function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (data += chunk));
    process.stdin.on('end', () => resolve(data.replace(/\r?\n$/, '')));
    process.stdin.on('error', reject);
  });
}
