/**
 * What every benchmark chart shares: size, type and colours. The fonts are the viewer's own
 * sans-serif (an SVG shown as an image may load none), so text widths are estimated.
 */
export const chartStyle = {
  /** The SVG's width, px: GitHub shows a README image up to about this wide without scaling it down. */
  width: 800,
  font: 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif',
  fontSize: 13,
  /** Tick labels, keys and notes. */
  smallFontSize: 12,
  titleFontSize: 16,
  text: '#1f2328',
  muted: '#59636e',
  grid: '#d1d9e0',
  axis: '#818b98',
  /** Okabe and Ito's palette, told apart with most kinds of colour blindness; one per contender, in the order of the section. */
  colors: ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'],
  /** A generous estimate of how wide `text` is in px at `fontSize` (about 0.6 em a character in common sans-serif fonts). */
  textWidth(text: string, fontSize: number): number {
    return text.length * fontSize * 0.6;
  },
};
