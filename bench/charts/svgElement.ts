/** Attribute values of an SVG element; `undefined` ones are left out. */
export type SvgAttributes = Record<string, string | number | undefined>;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ENTITIES[char]!);
}

function attributeValue(name: string, value: string | number): string {
  if (typeof value === 'string') return escape(value);
  // A NaN coordinate makes a chart draw nothing, silently; better to fail where it was made.
  if (!Number.isFinite(value)) throw new Error(`SVG attribute ${name} is ${value}`);
  return String(Math.round(value * 10) / 10);
}

/**
 * One SVG element as text. Attribute values are escaped, numbers rounded to 0.1 (and a number that
 * is not finite throws, naming the attribute). `content` is either text, escaped, or child elements
 * written by this function.
 *
 * @example
 * svgElement('text', { x: 10, y: 20 }, 'a < b'); // '<text x="10" y="20">a &lt; b</text>'
 * svgElement('g', { fill: 'red' }, [svgElement('circle', { r: 3 })]);
 */
export function svgElement(name: string, attributes: SvgAttributes = {}, content: string | string[] = []): string {
  const written = Object.entries(attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${attributeValue(key, value)}"`)
    .join('');
  const inner = typeof content === 'string' ? escape(content) : content.join('');
  return inner === '' ? `<${name}${written}/>` : `<${name}${written}>${inner}</${name}>`;
}
