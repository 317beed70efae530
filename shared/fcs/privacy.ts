/**
 * The FCS privacy check: which TEXT keywords may identify a person or a place, and a clean copy
 * without the ones a user chooses to drop. Patient and operator names hide in `$FIL`, `$SRC`,
 * `$OP` and in instruments' free-text keywords; nobody sees them before an upload unless
 * something lists them. The findings are a heuristic for a person to judge, not a verdict:
 * the standard's identifying keywords are always listed, other values when they look like a
 * name, an identifier, an address or a date.
 */
import type { FcsDataLocation } from './parse.ts';
import type { FcsFile } from './types.ts';
import { headAndText, settleLayout } from './write.ts';

export const PrivacyReason = {
  /** A keyword the standard defines to name a person, a sample's origin or a place. */
  identifyingKeyword: 'identifying-keyword',
  /** A date or time of acquisition: with a clinic's schedule it points at a patient. */
  date: 'date',
  /** A keyword whose name speaks of a person (PATIENT, DONOR, USER, DOB…). */
  personKeyword: 'person-keyword',
  looksLikeName: 'looks-like-name',
  looksLikeId: 'looks-like-id',
  looksLikeDate: 'looks-like-date',
  looksLikeContact: 'looks-like-contact',
} as const;
export type PrivacyReason = (typeof PrivacyReason)[keyof typeof PrivacyReason];

export type PrivacyFinding = { keyword: string; value: string; reason: PrivacyReason; why: string };

const IDENTIFYING: Record<string, string> = {
  $FIL: 'the original file name, often a patient or sample name',
  $SRC: 'the specimen source (patient, donor)',
  $OP: 'the operator who ran the instrument',
  $INST: 'the institution',
  $SMNO: 'the specimen number',
  $COM: 'a free-text comment',
  $EXP: 'the investigator',
  $PROJ: 'the project name',
  $CELLS: 'a description of the cells or their donor',
  $CYTSN: 'the instrument serial number (identifies the site)',
  $LAST_MODIFIER: 'the person who last changed the file',
  $PLATEID: 'the plate identifier',
  $WELLID: 'the well identifier',
  $PLATENAME: 'the plate name',
};
const DATES: Record<string, string> = {
  $DATE: 'the acquisition date',
  $BTIM: 'the acquisition start time',
  $ETIM: 'the acquisition end time',
  $LAST_MODIFIED: 'when the file was last changed',
  $BEGINDATETIME: 'the acquisition start',
  $ENDDATETIME: 'the acquisition end',
};

/** Keywords that lay out the file: never findings, never removable (the DATA depends on them). */
const STRUCTURAL = /^\$(BEGIN|END)(DATA|ANALYSIS|STEXT)$|^\$(BYTEORD|DATATYPE|MODE|NEXTDATA|PAR|TOT|TIMESTEP)$|^\$P\d+[A-Z]+$/;
/** Segment offsets the writer recomputes for the copy. */
const SEGMENT_KEYS = new Set(['$BEGINDATA', '$ENDDATA', '$BEGINANALYSIS', '$ENDANALYSIS', '$BEGINSTEXT', '$ENDSTEXT', '$NEXTDATA']);

const PERSON_KEY = /\b(PATIENT|DONOR|SUBJECT|DOB|BIRTH|OPERATOR|USER|OWNER|MRN|SSN|INITIALS|PHYSICIAN|DOCTOR|ADDRESS|PHONE|E-?MAIL)\b/;
const WORD = "[A-ZÀ-Ý][a-zß-ÿ]+(?:[-'][A-ZÀ-Ý]?[a-zß-ÿ]+)?";
const NAME = new RegExp(`^(?:${WORD}\\s+(?:[A-Z]\\.\\s+)?${WORD}(?:\\s+${WORD})?|${WORD},\\s*${WORD})$`);
const DATE_LIKE = /\b(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}[-\s]?(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[-\s]?\d{2,4})\b/i;
// Bounded by anything but digits, dots and commas, so the decimals of a spillover matrix are not IDs.
const ID_LIKE = /(?<![\w.,])(\d{3}-\d{2}-\d{4}|[A-Z]{1,4}[-_ ]?\d{5,}|\d{6,})(?![\w.,])/i;
const EMAIL = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;
const PHONE = /(?<![\w.,])\+?\(?\d{2,4}\)?[\s-]\d{2,4}[\s-]\d{3,4}(?:[\s-]\d{2,4})?(?![\w.,])/;

/** The keywords of `keywords` (as parsed: upper-cased keys) worth a person's look before upload. */
export function findPrivacyRisks(keywords: Record<string, string>): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  for (const [keyword, raw] of Object.entries(keywords)) {
    const value = raw.trim();
    if (value === '' || STRUCTURAL.test(keyword)) continue;
    const finding = judge(keyword, value);
    if (finding) out.push({ keyword, value, ...finding });
  }
  return out;
}

function judge(keyword: string, value: string): { reason: PrivacyReason; why: string } | null {
  const named = IDENTIFYING[keyword];
  if (named) return { reason: PrivacyReason.identifyingKeyword, why: named };
  const dated = DATES[keyword];
  if (dated) return { reason: PrivacyReason.date, why: dated };
  // Other standard keywords ($CYT, $SPILLOVER, $VOL…) describe the instrument, not people.
  if (keyword.startsWith('$')) return null;
  if (EMAIL.test(value) || PHONE.test(value)) return { reason: PrivacyReason.looksLikeContact, why: 'the value looks like an e-mail address or a phone number' };
  if (PERSON_KEY.test(keyword.replace(/[_.]/g, ' '))) return { reason: PrivacyReason.personKeyword, why: 'the keyword’s name speaks of a person' };
  if (NAME.test(value)) return { reason: PrivacyReason.looksLikeName, why: 'the value looks like a person’s name' };
  if (DATE_LIKE.test(value)) return { reason: PrivacyReason.looksLikeDate, why: 'the value holds a date (a birth date?)' };
  if (ID_LIKE.test(value)) return { reason: PrivacyReason.looksLikeId, why: 'the value looks like a record or patient number' };
  return null;
}

export type ScrubRefusal = { ok: false; keyword: string; message: string };

/**
 * What a clean copy of a file starts with: a new HEADER and TEXT without `remove` (any case),
 * and the byte range of the original DATA segment that follows it unchanged, so the events
 * stay byte for byte what they were and the file need never be in memory. The ANALYSIS
 * segment and supplemental TEXT are not carried over (their keywords are merged into TEXT).
 */
export function scrubbedStart(
  file: FcsFile,
  data: FcsDataLocation,
  remove: readonly string[],
): { ok: true; head: Uint8Array<ArrayBuffer>; dataFrom: number; dataTo: number } | ScrubRefusal {
  const drop = new Set<string>();
  for (const raw of remove) {
    const keyword = raw.trim().toUpperCase();
    if (STRUCTURAL.test(keyword)) return { ok: false, keyword, message: `${keyword} lays out the events and cannot be removed` };
    if (!Object.hasOwn(file.keywords, keyword)) return { ok: false, keyword, message: `${keyword} is not in the file` };
    drop.add(keyword);
  }
  const kept = Object.entries(file.keywords).filter(([k, v]) => !drop.has(k) && !SEGMENT_KEYS.has(k) && v !== '');
  const dataLength = data.events * data.layout.rowBytes;
  const pairsAt = (begin: number, end: number): Array<[string, string]> => [
    ['$BEGINANALYSIS', '0'], ['$ENDANALYSIS', '0'], ['$BEGINSTEXT', '0'], ['$ENDSTEXT', '0'],
    ['$BEGINDATA', String(begin)], ['$ENDDATA', String(end)], ['$NEXTDATA', '0'],
    ...kept,
  ];
  const { text, begin, end } = settleLayout(pairsAt, dataLength);
  return { ok: true, head: headAndText(file.version, text, begin, end), dataFrom: data.begin, dataTo: data.begin + dataLength };
}
