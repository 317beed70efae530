// Runs SQLite WAL checkpoints on a thread of their own. A checkpoint copies the log into the
// database and syncs it to disk, which can take tens of milliseconds; on the server's main
// thread that would stall every document's updates. Plain JS so the worker needs no loader.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

// If the database cannot be opened (the folder was removed meanwhile) this throws; the store
// sees the worker's error and checkpoints on its own thread.
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or closing: the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
    parentPort.postMessage('stopped');
  }
});
