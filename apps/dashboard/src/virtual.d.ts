// Types of the modules the build provides (see build/mnist-asset.ts).

declare module 'virtual:mnist-asset' {
  /** The packed MNIST digits: path relative to the page, and how many digits of each class. */
  const asset: { readonly path: string; readonly perDigit: number };
  export default asset;
}
