import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { HEADER_LENGTH, writeHeader } from '../../../shared/fcs/header.ts';
import { chooseDelimiter, encodeText } from '../../../shared/fcs/text.ts';

/**
 * Writes a valid FCS 3.1 file of `events` × `channels` float32 values (all zero) to `path`
 * without holding it in memory: HEADER and TEXT as the project's writer lays them out (DATA on
 * an 8-byte boundary after TEXT, offsets solved as a fixed point), then DATA in 1 MiB blocks.
 * Returns the file's size.
 */
export async function writeBigFcs(path: string, events: number, channels: number): Promise<number> {
  const dataLength = events * channels * 4;
  const pairs = (begin: number, end: number): Array<[string, string]> => [
    ['$BEGINANALYSIS', '0'], ['$ENDANALYSIS', '0'], ['$BEGINSTEXT', '0'], ['$ENDSTEXT', '0'],
    ['$BEGINDATA', String(begin)], ['$ENDDATA', String(end)],
    ['$BYTEORD', '1,2,3,4'], ['$DATATYPE', 'F'], ['$MODE', 'L'], ['$NEXTDATA', '0'],
    ['$PAR', String(channels)], ['$TOT', String(events)],
    ...Array.from({ length: channels }, (_, i): Array<[string, string]> => [[`$P${i + 1}N`, `Ch${i + 1}`], [`$P${i + 1}B`, '32'], [`$P${i + 1}R`, '262144'], [`$P${i + 1}E`, '0,0']]).flat(),
  ];
  const delimiter = chooseDelimiter(pairs(0, 0));
  let begin = 0;
  let end = 0;
  let text = encodeText(pairs(begin, end), delimiter);
  for (let round = 0; round < 8; round++) {
    const nextBegin = Math.ceil((HEADER_LENGTH + text.length) / 8) * 8;
    const nextEnd = nextBegin + dataLength - 1;
    if (nextBegin === begin && nextEnd === end) break;
    begin = nextBegin;
    end = nextEnd;
    text = encodeText(pairs(begin, end), delimiter);
  }
  const out = createWriteStream(path);
  const write = async (chunk: Uint8Array) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(writeHeader('3.1', [HEADER_LENGTH, HEADER_LENGTH + text.length - 1], [begin, end]));
  await write(text);
  await write(new Uint8Array(begin - HEADER_LENGTH - text.length).fill(0x20));
  const block = new Uint8Array(1024 * 1024);
  for (let left = dataLength; left > 0; left -= block.length) await write(left >= block.length ? block : block.subarray(0, left));
  out.end();
  await once(out, 'finish');
  return end + 1;
}
