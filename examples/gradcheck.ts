// docs/gradcheck.md in code: check a function's gradients against finite differences, and watch a wrong rule fail.
// Run with `pnpm example gradcheck`.

import {
  tensor, matmul, sigmoid, sum, add, mul, unaryOp, checkGrads, checkOpPlugin, type Tensor,
} from 'chainrule';

const params = { w: tensor([[0.5, -1], [0.25, 2], [1, -0.5]]), b: tensor([0.1, -0.2]) };
const x = tensor([[1, 2, -1], [0.5, -0.5, 0.25]]);
const loss = (p: typeof params, xs: Tensor) => sum(sigmoid(add(matmul(xs, p.w), p.b)));

// Reverse and forward mode, up to second order, against central differences in float64.
const r = checkGrads(loss, [params, x], { order: 2 });
if (r._tag === 'Left') throw new Error(r.left.message);
console.log('checks passed:', r.right.checks.map((c) => c.check).join(', '));

// An op whose derivative is wrong: cube(x) = x³ with dy/dx written as 3x (it is 3x²).
const cube = unaryOp({
  name: 'example.cube',
  fn: (v) => v * v * v,
  derivative: (x) => mul(x, 3), // wrong on purpose
});
const report = checkOpPlugin(cube, { numRuns: 10 });
console.log(report._tag === 'Left' ? `the kit caught it:\n${report.left.message}` : 'the kit missed the wrong rule');
