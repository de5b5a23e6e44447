// The lesson as a live page: the lesson's sections with its code and a <loss-playground> cell
// beside each printed number. English is the page's own text (read from the DOM once); 简体中文
// comes from ZH below. The language lives in the URL hash (#lang=zh), as in the playground.
// No inline script or style: this module is the page's only script.

import { sharedEngine } from '../widget.js';
import { parseValue, browserLang } from '../state.mjs';
import { BLOCKS, blockSource } from './blocks.mjs';
import '../pyblock.mjs';

const ZH = {
  doctitle: 'PyTorch 中的损失函数：课程实况 · losslab',
  skip: '跳到课程内容',
  playground: 'losslab playground',
  title: 'PyTorch 中的损失函数，实时运行',
  lead: '本页的每一个数字都在你的浏览器中计算：用与课程相同的随机种子生成同样的数据，再由 losslab 编译为 WebAssembly 的 PyTorch 1.13 损失函数算出结果。每个数字都与课程中 Python 打印的结果一致。',
  langNav: '语言',
  intro_title: '为什么需要损失函数？',
  intro_p1: '训练模型，就是寻找让损失 `L(w)` 尽可能小的权重 `w`。损失衡量预测值 `yhat` 与真实标签 `y` 之间的差距：回归用平方误差，分类用交叉熵。PyTorch 在 `torch.nn` 中为每种损失提供一个类，在 `torch.nn.functional` 中提供一个函数。',
  intro_p2: '下面每一节先给出课程中的代码，旁边是一个实时单元：它在同样的随机数上（`torch.manual_seed(420)`，逐位复现）运行同样的计算，并像 PyTorch 一样打印结果。',
  a_title: 'A. 均方误差：reduction=\'mean\' 与 \'sum\'',
  a_p1: '回归问题中，课程使用均方误差 `MSE = (1/N) · Σ (yhat_i − y_i)²`。`nn.MSELoss()` 默认求平均（`reduction=\'mean\'`）；设为 `reduction=\'sum\'` 时返回平方和，是平均值的 N 倍：N = 50 时，2.4869 × 50 = 124.3458。',
  b_title: 'B. 二分类交叉熵：手写公式、BCELoss 与 BCEWithLogitsLoss',
  b_p1: '二分类时，模型输出概率 `sigma = sigmoid(x @ w)`，损失是二分类交叉熵 `L = −(1/N) · Σ [y_i · ln(sigma_i) + (1 − y_i) · ln(1 − sigma_i)]`。课程生成 N = 3,000,000 个样本、每个样本 4 个特征，先用 `torch.sum` 手写这个公式：',
  b_p2: '然后交给 PyTorch 来算。`nn.BCELoss` 接收概率 `sigma`；`nn.BCEWithLogitsLoss` 接收 logits `zhat`，自己在内部做 sigmoid，数值上更稳定。两者打印出同一个数：',
  t_title: '向量化 vs 循环',
  t_p1: '接着，课程把同一个公式计时两次：一次用 `torch.sum`，由一个向量化的 C++ 内核一次处理全部 3,000,000 个值；一次用 Python 内置的 `sum()`，在解释器里逐行累加。向量化的版本快得多。',
  t_p2: '下面的单元在你的浏览器里用三种方式计算同一个损失：SIMD WebAssembly 版本（向量化，相当于 `torch.sum`）、标量 WebAssembly 版本（一次一个值）和普通的 JavaScript 循环。JavaScript 循环会被浏览器的 JIT 编译，所以差距比 Python 小，但课程的结论依然成立。',
  c_title: 'C. 多分类：LogSoftmax + NLLLoss 与 CrossEntropyLoss',
  c_p1: '有 C 个类别时，模型为每个类别输出一个 logit：`zhat = X @ w`，形状为 (N, C)。`nn.LogSoftmax(dim=1)` 把每一行变成对数概率，`nn.NLLLoss` 取出真实类别的负对数概率并求平均。`nn.CrossEntropyLoss` 直接在 logits 上一步完成这两件事，结果相同。标签必须是 long 类型的类别索引，所以要写 `y.long()`。',
  c_note: '因为 `w` 需要梯度，PyTorch 还会打印 `grad_fn`；数值是一样的。',
  m_title: '继续探索',
  m_p1: '点击任一单元下方的链接，可在 playground 中打开它：修改 N、随机种子、损失函数或其参数，查看梯度、图表和可直接运行的 Python 代码，或者对 `w` 做梯度下降。想在自己的网页里放这样一个单元，只需加载一个脚本、写一个元素：',
  js_summary: '同样的代码，用 JavaScript 在 losslab 上逐行运行',
  js_run: '运行',
  js_running: '运行中…',
  js_done: '完成',
  footer: '由编译为 WebAssembly 的 C++/xsimd 内核计算，所有单元共用一个 Web Worker。数据不会离开你的浏览器。',
};

const EN = {};   // filled from the page itself

/** Text with `code` spans → text nodes and <code> elements (no innerHTML). */
function setRich(el, text) {
  const parts = String(text).split('`');
  el.replaceChildren(...parts.map((p, i) => {
    if (i % 2 === 0) return document.createTextNode(p);
    const c = document.createElement('code');
    c.textContent = p;
    return c;
  }));
}

function currentLang() {
  const raw = new URLSearchParams(location.hash.replace(/^#/, '')).get('lang');
  if (raw === null) return browserLang();
  const r = parseValue('lang', raw);
  return r.error ? 'en' : r.value;
}

function apply() {
  const lang = currentLang();
  const T = lang === 'zh' ? ZH : EN;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = T.doctitle ?? EN.doctitle;
  for (const el of document.querySelectorAll('[data-t]')) setRich(el, T[el.dataset.t] ?? EN[el.dataset.t]);
  for (const el of document.querySelectorAll('[data-t-aria]')) {
    el.setAttribute('aria-label', T[el.dataset.tAria] ?? EN[el.dataset.tAria]);
  }
  for (const a of document.querySelectorAll('[data-lang]')) {
    if (a.dataset.lang === lang) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }
  document.getElementById('playground-link').href = lang === 'zh' ? '../#lang=zh' : '../#lang=en';
  for (const w of document.querySelectorAll('loss-playground, losslab-python')) w.setAttribute('lang', lang);
}

// Under each of the lesson's Python blocks, its line-for-line JavaScript (blocks.mjs: the source
// shown is the function that runs) with a Run button: the block runs in the shared worker, on the
// SIMD build, and its printed lines appear below it.
function addJsBlocks() {
  for (const pre of document.querySelectorAll('pre.code[data-block]')) {
    const block = BLOCKS.find((b) => b.id === pre.dataset.block);
    if (!block) continue;
    const details = document.createElement('details');
    details.className = 'js-block';
    details.dataset.block = block.id;
    const summary = document.createElement('summary');
    summary.dataset.t = 'js_summary';
    summary.textContent = 'The same, line for line, in JavaScript on losslab';
    const code = document.createElement('pre');
    code.className = 'code';
    code.tabIndex = 0;
    const c = document.createElement('code');
    c.textContent = blockSource(block);
    code.append(c);
    const run = document.createElement('button');
    run.type = 'button';
    run.dataset.t = 'js_run';
    run.textContent = 'Run';
    const status = document.createElement('span');
    status.className = 'js-status';
    status.setAttribute('role', 'status');
    const out = document.createElement('pre');
    out.className = 'js-out';
    out.setAttribute('aria-live', 'polite');
    out.hidden = true;
    run.addEventListener('click', () => runBlock(block.id, run, status, out));
    details.append(summary, code, run, status, out);
    pre.after(details);
  }
}

async function runBlock(id, button, status, out) {
  const T = currentLang() === 'zh' ? ZH : EN;
  button.disabled = true;
  status.textContent = T.js_running ?? 'Running…';
  const t0 = performance.now();
  try {
    const engine = sharedEngine();
    await engine.ready;
    const job = engine.run({ block: id }, {
      onMessage(m) {
        if (m.type === 'printed') {
          out.textContent = m.lines.join('\n');
          out.hidden = false;
        }
      },
    }, 'lesson', `lesson-${id}`);
    const end = await job.done;
    if (end.type === 'error') {
      out.textContent = `${end.name}: ${end.message}`;
      out.hidden = false;
      status.textContent = '';
    } else {
      status.textContent = `${T.js_done ?? 'Done'} · ${(performance.now() - t0).toFixed(0)} ms`;
    }
  } catch (e) {
    out.textContent = `${e.name}: ${e.message}`;
    out.hidden = false;
    status.textContent = '';
  } finally {
    button.disabled = false;
  }
}

// Each of the lesson's Python blocks, editable and runnable in place (<losslab-python>, one
// session for the page as in the lesson: B's modules and the timing read B's tensors, so they run
// B first when it has not run as it reads now). The static <pre> stays in the DOM, hidden.
const NEEDS = { 'bce-modules': 'py-bce', timing: 'py-bce' };
function addPythonBlocks() {
  for (const pre of document.querySelectorAll('pre.code[data-block]')) {
    const id = pre.dataset.block;
    const block = document.createElement('losslab-python');
    block.id = `py-${id}`;
    block.setAttribute('session', 'lesson');
    if (NEEDS[id]) block.setAttribute('needs', NEEDS[id]);
    const label = pre.getAttribute('aria-label') ?? document.getElementById(pre.getAttribute('aria-labelledby') ?? '')?.textContent;
    if (label) block.setAttribute('aria-label', label);
    const copy = pre.cloneNode(true);   // the element's code (shown until it upgrades)
    copy.removeAttribute('data-block');
    block.append(copy);
    pre.before(block);
    pre.hidden = true;
  }
}

function init() {
  addPythonBlocks();
  addJsBlocks();
  EN.js_running = 'Running…';
  EN.js_done = 'Done';
  EN.doctitle = document.title;
  for (const el of document.querySelectorAll('[data-t]')) EN[el.dataset.t] = el.textContent;
  for (const el of document.querySelectorAll('[data-t-aria]')) EN[el.dataset.tAria] = el.getAttribute('aria-label');
  // The embed snippet points at this very site's widget.js.
  const snippet = document.getElementById('embed-snippet');
  snippet.textContent = snippet.textContent.replace('https://YOUR-HOST/losslab/widget.js', new URL('../widget.js', import.meta.url).href);
  // Status for tests and for anyone scripting the page: how many cells have printed a result.
  const cells = [...document.querySelectorAll('loss-playground')];
  const count = () => {
    document.body.dataset.results = String(cells.filter((c) => c.status === 'done').length);
  };
  document.addEventListener('result', count);
  document.addEventListener('error', count);
  count();
  // "Skip to the lesson" moves focus; it does not replace the #lang=… in the URL
  document.querySelector('a.skip')?.addEventListener('click', (ev) => {
    ev.preventDefault();
    const main = document.getElementById(ev.currentTarget.getAttribute('href').slice(1));
    main?.scrollIntoView({ block: 'start' });
    main?.focus({ preventScroll: true });
  });
  window.addEventListener('hashchange', apply);
  apply();
}

init();
