// A grid of MNIST test digits with the model's predicted labels; wrong predictions are marked.

const SIDE = 28;

/** The grid's cells, made once per run and relabelled as predictions arrive. */
export interface DigitGrid {
  /** Shows the predictions (one per digit); returns how many are wrong. */
  label(predicted: Uint8Array): number;
}

/**
 * Draws each digit (28·28 bytes, 0 = black background) into its own small canvas under `el`.
 *
 * @example
 * const grid = digitGrid(el, pixels, labels)
 * grid.label(predicted)
 */
export const digitGrid = (el: HTMLElement, pixels: Uint8Array, labels: Uint8Array): DigitGrid => {
  el.replaceChildren();
  const captions: HTMLElement[] = [];
  const cells: HTMLElement[] = [];
  for (let k = 0; k < labels.length; k++) {
    const cell = document.createElement('div');
    cell.className = 'digit';
    cell.dataset.testid = 'digit';
    cell.dataset.truth = String(labels[k]);
    const canvas = document.createElement('canvas');
    canvas.width = SIDE;
    canvas.height = SIDE;
    const ctx = canvas.getContext('2d');
    if (ctx !== null) {
      const image = ctx.createImageData(SIDE, SIDE);
      for (let p = 0; p < SIDE * SIDE; p++) {
        const v = 255 - pixels[k * SIDE * SIDE + p];
        image.data.set([v, v, v, 255], 4 * p);
      }
      ctx.putImageData(image, 0, 0);
    }
    const caption = document.createElement('div');
    caption.textContent = '?';
    cell.append(canvas, caption);
    el.append(cell);
    cells.push(cell);
    captions.push(caption);
  }
  return {
    label(predicted) {
      let wrong = 0;
      for (let k = 0; k < cells.length; k++) {
        const ok = predicted[k] === labels[k];
        if (!ok) wrong++;
        cells[k].className = `digit ${ok ? 'right' : 'wrong'}`;
        cells[k].dataset.predicted = String(predicted[k]);
        captions[k].textContent = ok ? String(predicted[k]) : `${predicted[k]} ✗ (${labels[k]})`;
      }
      return wrong;
    },
  };
};
