/** Placeholder until the worker lands. */
export function startWorker(): void {}
