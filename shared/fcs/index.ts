/**
 * FCS files: a pure, dependency-free reader and writer that run in Node and in
 * the browser (Uint8Array, DataView, TextDecoder; no Buffer, no fs).
 */
export { parseFcs, parseFcsMetadata, type FcsSource, type FcsSourceOptions } from './parse.ts';
export { checkHeaderStart, HEADER_LENGTH } from './header.ts';
export { writeFcs, writeFcsHead, type FcsHeadInput, type FcsWriteInput } from './write.ts';
export { channelColumn, eventsInGate, eventsInPolygon, eventsInRect, filterEvents, inPolygon, polygonArrays, writeInputFrom, type GateShape, type Polygon } from './gate.ts';
export {
  FcsErrorCode,
  FcsSegment,
  type FcsByteOrder,
  type FcsChannel,
  type FcsDataType,
  type FcsError,
  type FcsFile,
  type FcsResult,
  type FcsVersion,
} from './types.ts';
export { locateFcsData, type FcsDataLocation } from './parse.ts';
export { decodeColumns, planColumns, type ColumnPlan } from './columns.ts';
export type { DataLayout } from './layout.ts';
export { findPrivacyRisks, scrubbedStart, PrivacyReason, type PrivacyFinding, type ScrubRefusal } from './privacy.ts';
export { blobPrivacy, type BlobPrivacy } from './privacy-blob.ts';
