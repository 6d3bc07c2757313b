/** A part of a chart drawn at a given height from the SVG's top: its elements and how tall it is, px. */
export interface ChartPanel {
  svg: string;
  height: number;
}
