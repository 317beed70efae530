/**
 * A scene (scene.ts) as a standalone SVG document. Shapes and text stay vector; a density image
 * is embedded as a PNG data URL drawn without smoothing. Every string from a user (names of
 * figures, files, channels, gates) is escaped, so no name can add markup.
 */
import { base64, encodePng, type Deflate } from './png.ts';
import { cssColor, FONT_FAMILY, type Box, type Paint, type Scene, type SceneItem } from './scene.ts';

export function escapeXml(text: string): string {
  // Characters XML 1.0 forbids are dropped; names are one line, but a scene may come from anywhere.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const n = (v: number) => String(Math.round(v * 100) / 100);
const baselines = { top: 'text-before-edge', middle: 'central', bottom: 'text-after-edge' } as const;

export function sceneToSvg(scene: Scene, deflate?: Deflate): string {
  const clips = new Map<string, string>();
  const clipOf = (box: Box | undefined): string => {
    if (!box) return '';
    const key = [box.x, box.y, box.w, box.h].map(n).join(' ');
    let id = clips.get(key);
    if (!id) {
      id = `clip${clips.size}`;
      clips.set(key, id);
    }
    return ` clip-path="url(#${id})"`;
  };
  const body = scene.items.map((item) => element(item, clipOf, deflate)).join('\n');
  const defs = [...clips].map(([key, id]) => {
    const [x, y, w, h] = key.split(' ');
    return `<clipPath id="${id}"><rect x="${x}" y="${y}" width="${w}" height="${h}"/></clipPath>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}" font-family="${FONT_FAMILY}">`,
    defs.length > 0 ? `<defs>${defs.join('')}</defs>` : '',
    body,
    `</svg>`,
    '',
  ].filter((line) => line !== '').join('\n');
}

function paintAttrs(item: { stroke?: Paint; lineWidth?: number; dash?: readonly [number, number] }): string {
  if (!item.stroke) return ' fill="none"';
  return ` stroke="${cssColor(item.stroke)}" stroke-width="${n(item.lineWidth ?? 1)}"${item.dash ? ` stroke-dasharray="${item.dash.join(' ')}"` : ''}`;
}

function element(item: SceneItem, clipOf: (box: Box | undefined) => string, deflate: Deflate | undefined): string {
  switch (item.kind) {
    case 'rect': {
      const fill = item.fill ? ` fill="${cssColor(item.fill)}"` : ' fill="none"';
      const stroke = item.stroke ? paintAttrs(item) : '';
      return `<rect x="${n(item.x)}" y="${n(item.y)}" width="${n(item.w)}" height="${n(item.h)}"${fill}${stroke}${clipOf(item.clip)}/>`;
    }
    case 'line':
      return `<line x1="${n(item.x1)}" y1="${n(item.y1)}" x2="${n(item.x2)}" y2="${n(item.y2)}"${paintAttrs(item)}${clipOf(item.clip)}/>`;
    case 'polygon': {
      const tag = item.closed ? 'polygon' : 'polyline';
      return `<${tag} points="${item.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" fill="none"${paintAttrs(item)}${clipOf(item.clip)}/>`;
    }
    case 'text': {
      const rotate = item.rotate ? ` transform="rotate(${item.rotate} ${n(item.x)} ${n(item.y)})"` : '';
      const weight = item.bold ? ' font-weight="bold"' : '';
      const role = item.role ? ` class="${item.role}"` : '';
      return `<text x="${n(item.x)}" y="${n(item.y)}" font-size="${item.size}"${weight} text-anchor="${item.anchor}" dominant-baseline="${baselines[item.baseline]}" fill="${cssColor(item.fill)}"${rotate}${role}${clipOf(item.clip)}>${escapeXml(item.text)}</text>`;
    }
    case 'image': {
      const png = encodePng(item.width, item.height, item.rgba, deflate);
      return `<image x="${n(item.x)}" y="${n(item.y)}" width="${n(item.w)}" height="${n(item.h)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${base64(png)}"/>`;
    }
  }
}
