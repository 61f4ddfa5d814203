// docs/optim.md in code: pure optimizers, schedules and clipping, in a jitted training step.
// Run with `pnpm example optim`.

import {
  jit, key, valueAndGrad, mlp, sgd, adam, chain, clipByGlobalNorm, applyUpdates, warmupCosineDecay, scheduleValue,
  currentLearningRate, setLearningRate, batches, moons, meanSoftmaxCrossEntropy, evaluateModel, type GradientTransformation,
  type Params, type Tensor,
} from 'chainrule';

const data = moons({ size: 200, seed: 0 });
const model = mlp({ sizes: [2, 16, 2], activation: 'tanh' });
const loss = (params: Params, x: Tensor, y: Tensor) => meanSoftmaxCrossEntropy(model.apply(params, x), y);

const schedule = warmupCosineDecay({ initValue: 0, peakValue: 0.1, warmupSteps: 20, decaySteps: 200 });
console.log('warmup + cosine at steps 0, 20, 100, 200:', [0, 20, 100, 200].map((s) => scheduleValue(schedule, s).toFixed(4)).join(', '));

const fit = (name: string, opt: GradientTransformation<unknown[]>) => {
  const step = jit((params: Params, state: unknown[], x: Tensor, y: Tensor) => {
    const [l, g] = valueAndGrad(loss)(params, x, y);
    const { updates, state: s } = opt.update(g, state, params);
    return [applyUpdates(params, updates), s, l] as const;
  });
  let params = model.init(key(0)), state = opt.init(params);
  for (let epoch = 0; epoch < 20; epoch++) {
    for (const { x, y } of batches(data, { batchSize: 20, seed: 0, epoch })) {
      const [p, s] = step(params, state, x, y);
      params = p;
      state = s;
    }
    if (epoch === 9) state = setLearningRate(state, 0.01); // from here on, without retracing
  }
  const { loss: l, accuracy } = evaluateModel(params, model, data);
  console.log(`${name}: loss ${l.toFixed(4)}, accuracy ${(100 * accuracy).toFixed(1)}%, last rate ${currentLearningRate(state)}, traced ${step.traceCount}×`);
};

fit('sgd + momentum, warmup-cosine', sgd({ learningRate: schedule, momentum: 0.9 }));
fit('clipped adam', chain(clipByGlobalNorm(1), adam({ learningRate: 0.01 })));
