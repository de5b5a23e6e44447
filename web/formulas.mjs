// Each registry loss's formula (the per-element or per-row term before the reduction, as PyTorch's
// documentation writes it; TeX for web/mathml.mjs) and a short "try this": when to use it and
// what to notice on the page, in English and 简体中文. tests/node/formulas.test.mjs checks that
// every loss of the build has an entry and that every formula parses.

export const FORMULAS = {
  mse_loss: {
    tex: '\\ell_i = (x_i - y_i)^2',
    try: {
      en: 'Regression with roughly Gaussian errors. Switch reduction between mean and sum: the lesson\'s 2.4869 becomes 124.3458, N = 50 times larger. Squares punish large errors: compare with l1_loss on the same data.',
      zh: '适用于误差大致服从高斯分布的回归。把 reduction 在 mean 和 sum 之间切换：课程中的 2.4869 变成 124.3458，正好大 N = 50 倍。平方会重罚大的误差：在同一组数据上和 l1_loss 比较一下。',
    },
  },
  l1_loss: {
    tex: '\\ell_i = \\lvert x_i - y_i \\rvert',
    try: {
      en: 'Regression that should not be pulled by outliers: each error counts in proportion, not squared. Its gradient is ±1 whatever the size of the error: look at the gradient panel.',
      zh: '适用于不希望被离群点牵着走的回归：每个误差按比例计入，而不是平方。无论误差多大，梯度都是 ±1：看看梯度面板。',
    },
  },
  smooth_l1_loss: {
    tex: '\\ell_i = \\frac{0.5 (x_i - y_i)^2}{\\beta} \\text{ if } \\lvert x_i - y_i \\rvert < \\beta \\text{, else } \\lvert x_i - y_i \\rvert - 0.5 \\beta',
    try: {
      en: 'Quadratic near zero, linear beyond β (object detection\'s box regression). Make β small and it becomes l1_loss; make it large and it becomes mse_loss / (2β).',
      zh: '在零附近是二次的，超过 β 后是线性的（目标检测中的边框回归）。β 取得很小就接近 l1_loss，取得很大就接近 mse_loss / (2β)。',
    },
  },
  huber_loss: {
    tex: '\\ell_i = 0.5 (x_i - y_i)^2 \\text{ if } \\lvert x_i - y_i \\rvert < \\delta \\text{, else } \\delta (\\lvert x_i - y_i \\rvert - 0.5 \\delta)',
    try: {
      en: 'Robust regression: squared for small errors, linear for large ones. huber_loss(δ) = δ · smooth_l1_loss(β = δ); with δ = 1 the two print the same number.',
      zh: '稳健回归：小误差按平方，大误差按线性。huber_loss(δ) = δ · smooth_l1_loss(β = δ)；δ = 1 时两者打印的数相同。',
    },
  },
  binary_cross_entropy: {
    tex: '\\ell_i = - w_i [ y_i \\log x_i + (1 - y_i) \\log (1 - x_i) ]',
    try: {
      en: 'Two classes, x a probability (after a sigmoid). This is the lesson\'s "by hand" formula, 0.8685 on recipe B. torch clamps each log at −100, so a confident wrong answer costs 100, not infinity.',
      zh: '二分类，x 是概率（经过 sigmoid 之后）。这就是课程中“手写”的公式，在数据集 B 上是 0.8685。torch 把每个 log 截断在 −100，所以自信的错误答案代价是 100，而不是无穷大。',
    },
  },
  binary_cross_entropy_with_logits: {
    tex: '\\ell_i = - w_i [ p \\, y_i \\log \\sigma(x_i) + (1 - y_i) \\log (1 - \\sigma(x_i)) ]',
    try: {
      en: 'The same loss on the raw scores x (logits), with the sigmoid inside: 0.8685 again on recipe B, but stable where sigmoid then log would round to 0. pos_weight p weighs the positive class (imbalanced data).',
      zh: '同一个损失，但作用在原始分数 x（logits）上，sigmoid 在内部：在数据集 B 上同样是 0.8685，但在 sigmoid 之后取 log 会舍入为 0 的地方依然稳定。pos_weight p 给正类加权（不平衡数据）。',
    },
  },
  nll_loss: {
    tex: '\\ell_n = - w_{y_n} x_{n, y_n}',
    try: {
      en: 'Takes log-probabilities (the output of LogSoftmax) and picks the target class\'s entry. LogSoftmax + NLLLoss is the lesson\'s 1.1591, the same as CrossEntropyLoss on the raw scores.',
      zh: '输入是对数概率（LogSoftmax 的输出），取出目标类别的那一项。LogSoftmax + NLLLoss 就是课程中的 1.1591，与在原始分数上用 CrossEntropyLoss 相同。',
    },
  },
  cross_entropy: {
    tex: '\\ell_n = - w_{y_n} \\log \\frac{\\exp x_{n, y_n}}{\\sum_c \\exp x_{n, c}}',
    try: {
      en: 'Multiclass classification on raw scores: log_softmax and nll_loss in one. Try label_smoothing = 0.1: the loss of a perfect model is no longer 0. The table shows each row\'s softmax and predicted class.',
      zh: '在原始分数上做多分类：log_softmax 和 nll_loss 合二为一。试试 label_smoothing = 0.1：完美模型的损失不再是 0。表中列出了每行的 softmax 和预测类别。',
    },
  },
  kl_div: {
    tex: '\\ell_i = y_i (\\log y_i - x_i)',
    try: {
      en: 'How far a predicted distribution (x, as log-probabilities) is from a target one (y). Use reduction = batchmean for the true KL divergence; mean divides by every element, not by the rows.',
      zh: '衡量预测分布（x，对数概率）与目标分布（y）相差多远。要得到真正的 KL 散度请用 reduction = batchmean；mean 除以的是元素总数，而不是行数。',
    },
  },
  margin_ranking_loss: {
    tex: '\\ell_i = \\max(0, - y_i (x_{1,i} - x_{2,i}) + \\text{margin})',
    try: {
      en: 'Ranking pairs: y = 1 says x1 should score higher than x2. Pairs already apart by more than the margin cost nothing; raise the margin and more pairs count.',
      zh: '给成对的样本排序：y = 1 表示 x1 的得分应该比 x2 高。差距已经超过 margin 的样本对不产生损失；增大 margin，计入的样本对就更多。',
    },
  },
  hinge_embedding_loss: {
    tex: '\\ell_i = x_i \\text{ if } y_i = 1 \\text{, else } \\max(0, \\text{margin} - x_i)',
    try: {
      en: 'x is a distance: similar pairs (y = 1) should be close, dissimilar ones (y = −1) at least margin apart.',
      zh: 'x 是距离：相似的样本对（y = 1）应当靠近，不相似的（y = −1）至少相隔 margin。',
    },
  },
  soft_margin_loss: {
    tex: '\\ell_i = \\log(1 + \\exp(- y_i x_i))',
    try: {
      en: 'A smooth hinge for labels ±1: logistic loss on the margin y·x. Correct confident scores cost almost nothing, wrong ones grow linearly.',
      zh: '标签为 ±1 时的平滑 hinge：对间隔 y·x 的逻辑损失。自信且正确的分数几乎没有损失，错误的则线性增长。',
    },
  },
  multilabel_soft_margin_loss: {
    tex: '\\ell_n = - \\frac{1}{C} \\sum_c [ y_{n,c} \\log \\sigma(x_{n,c}) + (1 - y_{n,c}) \\log (1 - \\sigma(x_{n,c})) ]',
    try: {
      en: 'Several labels per sample (tags): a binary cross-entropy per class, averaged over the C classes.',
      zh: '每个样本有多个标签（标记）：每个类别一个二元交叉熵，再对 C 个类别取平均。',
    },
  },
  multi_margin_loss: {
    tex: '\\ell_n = \\frac{1}{C} \\sum_{c \\ne y_n} \\max(0, \\text{margin} - x_{n, y_n} + x_{n, c})^p',
    try: {
      en: 'The multiclass SVM loss: the target class should beat every other by the margin. p = 2 squares each violation.',
      zh: '多类 SVM 损失：目标类别的分数应当比其他每个类别至少高出 margin。p = 2 会把每次违反取平方。',
    },
  },
  multilabel_margin_loss: {
    tex: '\\ell_n = \\sum_{j, c \\notin y_n} \\frac{\\max(0, 1 - (x_{n, y_{n,j}} - x_{n, c}))}{C}',
    try: {
      en: 'Several target classes per row, listed first and ended by −1: each should score above every class not in the list.',
      zh: '每行有多个目标类别，列在前面并以 −1 结束：每个目标类别的分数都应高于列表之外的每个类别。',
    },
  },
  cosine_embedding_loss: {
    tex: '\\ell_i = 1 - \\cos(x_{1,i}, x_{2,i}) \\text{ if } y_i = 1 \\text{, else } \\max(0, \\cos(x_{1,i}, x_{2,i}) - \\text{margin})',
    try: {
      en: 'Embeddings that should point the same way (y = 1) or not (y = −1); only the angle matters, not the length.',
      zh: '嵌入向量应当指向同一方向（y = 1）或不同方向（y = −1）；只有夹角重要，长度无关。',
    },
  },
  triplet_margin_loss: {
    tex: '\\ell_i = \\max(d(a_i, p_i) - d(a_i, n_i) + \\text{margin}, 0)',
    try: {
      en: 'Metric learning: the anchor a should be closer to the positive p than to the negative n by the margin (d is the p-norm distance).',
      zh: '度量学习：锚点 a 到正样本 p 的距离应当比到负样本 n 的距离至少小 margin（d 是 p 范数距离）。',
    },
  },
  triplet_margin_with_distance_loss: {
    tex: '\\ell_i = \\max(d(a_i, p_i) - d(a_i, n_i) + \\text{margin}, 0)',
    try: {
      en: 'The triplet loss with a distance of your choice (distance_function); swap = True also compares p with n.',
      zh: '可以自选距离（distance_function）的三元组损失；swap = True 时还会比较 p 与 n。',
    },
  },
  poisson_nll_loss: {
    tex: '\\ell_i = \\exp(x_i) - y_i x_i',
    try: {
      en: 'Counts (events per interval): x is the log of the rate. With log_input = False, x is the rate itself and the term is x − y log(x + ε).',
      zh: '计数数据（每个区间内的事件数）：x 是速率的对数。log_input = False 时 x 就是速率本身，这一项变为 x − y log(x + ε)。',
    },
  },
  gaussian_nll_loss: {
    tex: '\\ell_i = \\frac{1}{2} (\\log(\\max(v_i, \\epsilon)) + \\frac{(x_i - y_i)^2}{\\max(v_i, \\epsilon)})',
    try: {
      en: 'Regression that also predicts its own uncertainty v: a large v makes errors cheap but costs log v.',
      zh: '同时预测自身不确定性 v 的回归：v 大会让误差变便宜，但要付出 log v 的代价。',
    },
  },
  ctc_loss: {
    tex: '\\ell_n = - \\log \\sum_{\\pi \\in \\mathcal{B}^{-1}(y_n)} \\prod_t p_t(\\pi_t)',
    try: {
      en: 'Sequences without an alignment (speech, handwriting): sums the probability of every path that collapses to the target. zero_infinity = True turns impossible targets into 0.',
      zh: '没有对齐信息的序列（语音、手写）：把所有能折叠成目标序列的路径概率加起来。zero_infinity = True 会把不可能的目标变成 0。',
    },
  },
};

// Row 1 with its numbers plugged in (the lesson's "by hand" step), for the losses whose term is a
// short expression of the row: v = the operands' row-1 values (arrays), o = the loss's options,
// l = the term the core computed. Null where there is no short form.
const num = (x) => (Number.isFinite(x) ? x.toFixed(4).replace(/^-/, '−') : String(x));
const neg = (x) => (x < 0 ? `(${num(x)})` : num(x));
const PLUG = {
  mse_loss: ([[x], [y]]) => `(${num(x)} − ${neg(y)})²`,
  l1_loss: ([[x], [y]]) => `|${num(x)} − ${neg(y)}|`,
  smooth_l1_loss: ([[x], [y]], o) => {
    const b = o.beta ?? 1;
    const d = Math.abs(x - y);
    return d < b ? `0.5 · ${num(d)}² / ${b}` : `${num(d)} − 0.5 · ${b}`;
  },
  huber_loss: ([[x], [y]], o) => {
    const dl = o.delta ?? 1;
    const d = Math.abs(x - y);
    return d < dl ? `0.5 · ${num(d)}²` : `${dl} · (${num(d)} − 0.5 · ${dl})`;
  },
  binary_cross_entropy: ([[x], [y]]) => `−[${num(y)} · log ${num(x)} + (1 − ${num(y)}) · log(1 − ${num(x)})]`,
  binary_cross_entropy_with_logits: ([[x], [y]]) => `−[${num(y)} · log σ(${num(x)}) + (1 − ${num(y)}) · log(1 − σ(${num(x)}))]`,
  kl_div: ([[x], [y]], o) => (o.log_target ? `exp(${num(y)}) · (${num(y)} − ${neg(x)})` : `${num(y)} · (log ${num(y)} − ${neg(x)})`),
  soft_margin_loss: ([[x], [y]]) => `log(1 + exp(−${neg(y)} · ${neg(x)}))`,
  nll_loss: ([x, [t]]) => (Number.isInteger(t) && t >= 0 && t < x.length ? `−x[${t}] = −${neg(x[t])}` : null),
  cross_entropy: ([x, [t]]) => {
    if (!(Number.isInteger(t) && t >= 0 && t < x.length) || x.length > 6) return null;
    return `−log(exp(${num(x[t])}) / (${x.map((v) => `exp(${num(v)})`).join(' + ')}))`;
  },
};

/** "ℓ₁ = … = term" for row 1, or null. */
export function plugRow(name, values, opts, term) {
  const f = PLUG[name];
  if (!f || !values.every((v) => v.length)) return null;
  const e = f(values, opts ?? {});
  return e ? `ℓ₁ = ${e} = ${num(term)}` : null;
}
