// Draws a 2-D classifier's decision regions as a heatmap on a canvas, with the data points on top.

/**
 * Class colours, as [r, g, b]; class k uses entry k mod length.
 *
 * @example
 * const [r, g, b] = CLASS_COLOURS[label % CLASS_COLOURS.length]
 */
const CLASS_COLOURS: readonly (readonly [number, number, number])[] = [
  [37, 99, 235],
  [234, 88, 12],
  [22, 163, 74],
  [147, 51, 234],
  [219, 39, 119],
];

/** The data the heatmap is drawn from (see the worker's `boundary` event). */
export interface BoundaryFrame {
  readonly size: number;
  readonly classOf: Uint8Array;
  readonly confidence: Float32Array;
}

/** The training points: interleaved x, y pairs, classes, and the plotted extent. */
export interface PointSet {
  readonly xy: Float32Array;
  readonly labels: Uint8Array;
  readonly extent: readonly [number, number, number, number];
}

/**
 * Paints the predicted class of each grid cell, pale where the model is unsure, then the
 * points. Cell (i, j) covers row i from the top (largest y) and column j from the left.
 *
 * @example
 * drawBoundary(canvas, { size: 48, classOf, confidence }, points)
 */
export const drawBoundary = (canvas: HTMLCanvasElement, frame: BoundaryFrame | undefined, points: PointSet): void => {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const { width, height } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  if (frame !== undefined) {
    const n = frame.size;
    const image = ctx.createImageData(n, n);
    for (let c = 0; c < n * n; c++) {
      const [r, g, b] = CLASS_COLOURS[frame.classOf[c] % CLASS_COLOURS.length];
      // Confidence 1/classes (a guess) is white; confidence 1 is 45% of the class colour.
      const a = Math.max(0, Math.min(1, frame.confidence[c])) * 0.45;
      image.data[4 * c] = Math.round(255 + (r - 255) * a);
      image.data[4 * c + 1] = Math.round(255 + (g - 255) * a);
      image.data[4 * c + 2] = Math.round(255 + (b - 255) * a);
      image.data[4 * c + 3] = 255;
    }
    const cells = document.createElement('canvas');
    cells.width = n;
    cells.height = n;
    cells.getContext('2d')?.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cells, 0, 0, width, height);
  }
  const [x0, x1, y0, y1] = points.extent;
  for (let i = 0; i < points.labels.length; i++) {
    const px = ((points.xy[2 * i] - x0) / (x1 - x0)) * width;
    const py = (1 - (points.xy[2 * i + 1] - y0) / (y1 - y0)) * height;
    const [r, g, b] = CLASS_COLOURS[points.labels[i] % CLASS_COLOURS.length];
    ctx.beginPath();
    ctx.arc(px, py, 3, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fill();
    ctx.lineWidth = 0.8;
    ctx.strokeStyle = '#fff';
    ctx.stroke();
  }
};
