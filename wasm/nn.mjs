// torch.nn's modules and torch.optim.SGD for the JS API, over one losslab instance: a module
// class for every loss of the core's registry (its `module` name, forwarding to F with the
// options given to the constructor), LogSoftmax / Softmax (the registry's activations), Sigmoid,
// Linear (torch's default init, drawn from the same generator), Sequential, Parameter and
// nn.init's uniform_ / kaiming_uniform_; and SGD, whose update runs in the core (optim.hpp) with
// torch 1.13's arithmetic. Made per instance by makeNn / makeOptim (the classes close over the
// instance, so `new torch.nn.Linear(4, 3)` needs no instance argument).
//
// A module is callable as torch's are: `criterion(yhat, y)` is `criterion.forward(yhat, y)`.
// The constructor returns an arrow function whose prototype is the subclass's, so `instanceof`,
// methods and fields work as on any object.

// .grad of each parameter zeroed in place (torch 1.13's default) or set to None.
function zeroGrads(lab, params, setToNone) {
  for (const p of params) {
    const g = p.grad;
    if (g === null) continue;
    if (setToNone) p.grad = null;
    else lab.no_grad(() => g.zero_());
  }
}

export function makeNn(lab, F, Tensor, { typeError, pyError, pyTypeName, toInt64 }) {
  const indent = (s) => s.split('\n').join('\n  ');

  class Module {
    constructor() {
      const f = (...args) => f.forward(...args);
      Object.setPrototypeOf(f, new.target.prototype);
      Object.defineProperty(f, 'training', { value: true, writable: true, enumerable: false });
      return f;
    }
    forward() {
      throw pyError('NotImplementedError', `Module [${this.constructor.name}] is missing the required "forward" function`);
    }
    // Own parameters and submodules, in the order they were set (torch's registration order).
    _members() {
      const params = [], children = [];
      for (const [k, v] of Object.entries(this)) {
        if (v instanceof Tensor && v._isParam) params.push([k, v]);
        else if (v instanceof Module) children.push([k, v]);
      }
      return { params, children };
    }
    /** [[name, parameter], ...]: this module's, then each submodule's ("0.weight"). */
    named_parameters(prefix = '') {
      const { params, children } = this._members();
      const out = params.map(([k, p]) => [prefix + k, p]);
      for (const [k, m] of children) out.push(...m.named_parameters(`${prefix}${k}.`));
      return out;
    }
    /** The parameters (an array; torch returns a generator of the same tensors). */
    parameters() { return this.named_parameters().map(([, p]) => p); }
    /** [[name, module], ...] of the direct submodules. */
    named_children() { return this._members().children; }
    children() { return this.named_children().map(([, m]) => m); }
    /** zero_grad(): every parameter's .grad zeroed in place (torch 1.13's default, set_to_none=False). */
    zero_grad({ set_to_none = false } = {}) { zeroGrads(lab, this.parameters(), set_to_none); }
    train(mode = true) {
      if (typeof mode !== 'boolean') throw pyError('ValueError', 'training mode is expected to be boolean');
      this.training = mode;
      for (const m of this.children()) m.train(mode);
      return this;
    }
    eval() { return this.train(false); }
    /** The text between the parentheses of the module's print (torch's extra_repr). */
    extra_repr() { return ''; }
    /** torch's print: `Linear(in_features=4, out_features=3, bias=True)`, nested for containers. */
    toString() {
      const lines = [];
      const extra = this.extra_repr();
      if (extra) lines.push(...extra.split('\n'));
      for (const [k, m] of this.named_children()) lines.push(`(${k}): ${indent(String(m))}`);
      const name = this.constructor.name;
      if (!lines.length) return `${name}()`;
      if (lines.length === 1 && !this.named_children().length) return `${name}(${lines[0]})`;
      return `${name}(\n  ${lines.join('\n  ')}\n)`;
    }
    [Symbol.for('nodejs.util.inspect.custom')]() { return this.toString(); }
  }
  Object.setPrototypeOf(Module.prototype, Function.prototype);   // call / apply / bind

  /** nn.Parameter(t, requires_grad = true): t's data as a leaf module parameter. */
  function Parameter(data, requires_grad = true) {
    if (!(data instanceof Tensor)) throw typeError(`Parameter(): data must be a Tensor, not ${pyTypeName(data)}`);
    if (typeof requires_grad !== 'boolean') throw typeError(`Parameter(): argument 'requires_grad' must be bool, not ${pyTypeName(requires_grad)}`);
    const p = data.detach();
    p.requires_grad_(requires_grad);
    p._isParam = true;
    p._kept = true;   // a module's state: no torch.tidy scope frees it (tf.js's rule for variables)
    return p;
  }

  // ---- nn.init ------------------------------------------------------------------------------
  const init = Object.freeze({
    /** nn.init.uniform_(t, a = 0, b = 1, { generator }): in place, without recording. */
    uniform_(t, a = 0, b = 1, opts = {}) { return lab.no_grad(() => t.uniform_(a, b, opts)); },
    /** nn.init.kaiming_uniform_(t, { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu', generator }) */
    kaiming_uniform_(t, { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu', generator } = {}) {
      if (!(t instanceof Tensor)) throw typeError(`kaiming_uniform_(): tensor must be a Tensor, not ${pyTypeName(t)}`);
      if (t.numel() === 0) return t;   // torch warns "Initializing zero-element tensors is a no-op"
      if (t.ndim < 2) throw pyError('ValueError', 'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
      const receptive = t.shape.slice(2).reduce((x, y) => x * y, 1);
      const fanIn = t.shape[1] * receptive, fanOut = t.shape[0] * receptive;
      if (mode !== 'fan_in' && mode !== 'fan_out') throw pyError('ValueError', `Mode ${mode} not supported, please use one of fan_in, fan_out`);
      const fan = mode === 'fan_in' ? fanIn : fanOut;
      let gain;
      if (nonlinearity === 'leaky_relu') {
        if (typeof a !== 'number') throw pyError('ValueError', `negative_slope ${String(a)} not a valid number`);
        gain = Math.sqrt(2.0 / (1 + a * a));
      } else if (nonlinearity === 'relu') gain = Math.sqrt(2.0);
      else if (['linear', 'conv1d', 'conv2d', 'conv3d', 'sigmoid'].includes(nonlinearity)) gain = 1;
      else if (nonlinearity === 'tanh') gain = 5.0 / 3;
      else throw pyError('ValueError', `Unsupported nonlinearity ${nonlinearity}`);
      const bound = Math.sqrt(3.0) * (gain / Math.sqrt(fan));
      return lab.no_grad(() => t.uniform_(-bound, bound, { generator }));
    },
  });

  // ---- layers -------------------------------------------------------------------------------

  /** nn.Linear(in_features, out_features, { bias = true, dtype }): y = x W^T + b (addmm). */
  class Linear extends Module {
    constructor(in_features, out_features, { bias = true, dtype = 'float32' } = {}) {
      super();
      const int = (v, arg) => Number(toInt64(v, () => typeError(`Linear(): argument '${arg}' must be int, not ${pyTypeName(v)}`)));
      this.in_features = int(in_features, 'in_features');
      this.out_features = int(out_features, 'out_features');
      if (typeof bias !== 'boolean') throw typeError(`Linear(): argument 'bias' must be bool, not ${pyTypeName(bias)}`);
      if (dtype !== 'float32' && dtype !== 'float64') throw typeError(`Linear(): dtype must be float32 or float64, got ${String(dtype)}`);
      // torch's reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), then the bias from
      // U(-1/sqrt(fan_in), 1/sqrt(fan_in)), both from the default generator
      const w = lab.zeros([this.out_features, this.in_features], { dtype });
      init.kaiming_uniform_(w, { a: Math.sqrt(5) });
      this.weight = Parameter(w);
      w.dispose();
      if (bias) {
        const b = lab.zeros([this.out_features], { dtype });
        const bound = this.in_features > 0 ? 1 / Math.sqrt(this.in_features) : 0;
        init.uniform_(b, -bound, bound);
        this.bias = Parameter(b);
        b.dispose();
      } else {
        this.bias = null;
      }
    }
    forward(input) { return F.linear(input, this.weight, this.bias); }
    extra_repr() { return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.bias !== null ? 'True' : 'False'}`; }
  }

  /** nn.Sequential(...modules): each module's output is the next one's input. */
  class Sequential extends Module {
    constructor(...modules) {
      super();
      modules.forEach((m, i) => {
        if (!(m instanceof Module)) throw typeError(`Sequential(): argument ${i} is not a Module subclass (got ${pyTypeName(m)})`);
        this[String(i)] = m;
      });
    }
    forward(input) {
      let x = input;
      for (const m of this.children()) x = m(x);
      return x;
    }
  }

  /** nn.Sigmoid(), nn.Tanh(), nn.ReLU(): the elementwise activations as modules. */
  class Sigmoid extends Module {
    forward(input) { return lab.sigmoid(input); }
  }
  class Tanh extends Module {
    forward(input) { return lab.tanh(input); }
  }
  class ReLU extends Module {
    constructor({ inplace = false } = {}) {
      super();
      if (inplace) throw pyError('NotImplementedError', 'ReLU(inplace=True) is not supported (losslab has no in-place activations)');
    }
    forward(input) { return lab.relu(input); }
  }

  const nn = { Module, Parameter, Linear, Sequential, Sigmoid, Tanh, ReLU, init, functional: F };

  // The activations of the registry: nn.LogSoftmax({ dim }) / nn.LogSoftmax(dim).
  for (const spec of lab.registry.activations) {
    const C = class extends Module {
      constructor(opts = {}) {
        super();
        if (typeof opts === 'number' || typeof opts === 'bigint') opts = { dim: opts };
        lab._checkOptions(spec, opts);
        this.dim = opts.dim ?? null;
      }
      forward(input) { return F[spec.name](input, this.dim === null ? {} : { dim: this.dim }); }
      extra_repr() { return `dim=${this.dim === null ? 'None' : String(this.dim)}`; }
    };
    Object.defineProperty(C, 'name', { value: spec.module });
    nn[spec.module] = C;
  }

  // A module for every loss of the registry: new nn.MSELoss({ reduction: 'sum' }). The options
  // are checked now (torch's messages), kept, and passed to F at every call.
  for (const spec of lab.registry.losses) {
    if (!spec.module) continue;
    const n = spec.operands.length;
    const C = class extends Module {
      constructor(opts = {}) {
        super();
        const o = lab._checkOptions(spec, opts);
        Object.defineProperty(this, '_options', { value: Object.freeze({ ...o }), enumerable: false });
        for (const [k, v] of Object.entries(o)) {
          if (k === 'force_scalar') continue;
          Object.defineProperty(this, k, { value: v, enumerable: !(v instanceof Tensor) });
        }
        if (o.reduction === undefined && spec.reductions?.length) {
          Object.defineProperty(this, 'reduction', { value: 'mean', enumerable: true });
        }
      }
      forward(...args) {
        if (args.length < n) {
          const missing = spec.operands.slice(args.length).map((op) => `'${op.name}'`);
          throw typeError(`forward() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
        }
        if (args.length > n) throw typeError(`forward() takes ${n + 1} positional arguments but ${args.length + 1} were given`);
        return F[spec.name](...args, this._options);
      }
    };
    Object.defineProperty(C, 'name', { value: spec.module });
    nn[spec.module] = C;
  }
  return Object.freeze(nn);
}

export function makeOptim(lab, Tensor, { typeError, pyError, pyTypeName }) {
  const REQUIRED = Symbol('required');

  /**
   * optim.SGD(params, { lr, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false,
   * maximize = false }): params is an array of tensors (or of param groups {params, ...options}).
   */
  class SGD {
    constructor(params, opts = {}) {
      if (opts === null || typeof opts !== 'object') throw typeError(`SGD(): options must be an object, not ${pyTypeName(opts)}`);
      const defaults = { lr: REQUIRED, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false };
      for (const k of Object.keys(opts)) {
        if (k === 'foreach' || k === 'differentiable') {
          if (opts[k]) throw pyError('NotImplementedError', `SGD(): ${k}=True is not supported (losslab runs the single-tensor update)`);
          continue;
        }
        if (!(k in defaults)) throw typeError(`SGD.__init__() got an unexpected keyword argument '${k}'`);
        defaults[k] = opts[k];
      }
      this.defaults = Object.freeze(defaults);
      this._check(defaults);
      if (params instanceof Tensor) {
        throw typeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${params.dtype === 'float64' ? 'torch.DoubleTensor' : 'torch.FloatTensor'}`);
      }
      if (params === null || typeof params !== 'object' || typeof params[Symbol.iterator] !== 'function') {
        throw typeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${pyTypeName(params)}`);
      }
      const list = Array.from(params);
      if (!list.length) throw pyError('ValueError', 'optimizer got an empty parameter list');
      this._core = new lab._M.Sgd();
      lab._freer.register(this, this._core, this);
      this._index = new Map();   // parameter -> its slot in the core's state
      /** torch's param_groups: [{ params, lr, momentum, dampening, weight_decay, nesterov, maximize }] */
      this.param_groups = [];
      const groups = list[0] instanceof Tensor ? [{ params: list }] : list;
      for (const g of groups) this.add_param_group(g);
    }
    _check(o) {
      const num = (k) => { if (o[k] !== REQUIRED && typeof o[k] !== 'number') throw typeError(`SGD(): ${k} must be a number, not ${pyTypeName(o[k])}`); };
      for (const k of ['lr', 'momentum', 'dampening', 'weight_decay']) num(k);
      for (const k of ['nesterov', 'maximize']) if (typeof o[k] !== 'boolean') throw typeError(`SGD(): ${k} must be bool, not ${pyTypeName(o[k])}`);
      if (o.lr !== REQUIRED && o.lr < 0) throw pyError('ValueError', `Invalid learning rate: ${pyRepr(o.lr)}`);
      if (o.momentum < 0) throw pyError('ValueError', `Invalid momentum value: ${pyRepr(o.momentum)}`);
      if (o.weight_decay < 0) throw pyError('ValueError', `Invalid weight_decay value: ${pyRepr(o.weight_decay)}`);
      if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw pyError('ValueError', 'Nesterov momentum requires a momentum and zero dampening');
    }
    /** add_param_group({ params, ...options }): options not given take the defaults. */
    add_param_group(group) {
      if (group === null || typeof group !== 'object' || Array.isArray(group)) throw typeError(`param group must be a dict, not ${pyTypeName(group)}`);
      const ps = group.params instanceof Tensor ? [group.params] : Array.from(group.params ?? []);
      const g = { ...this.defaults, ...group, params: ps };
      if (g.lr === REQUIRED) throw pyError('ValueError', "parameter group didn't specify a value of required optimization parameter lr");
      this._check(g);
      for (const p of ps) {
        if (!(p instanceof Tensor) || p._lab !== lab) throw typeError(`optimizer can only optimize Tensors, but one of the params is ${pyTypeName(p)}`);
        if (!p.is_leaf) throw pyError('ValueError', "can't optimize a non-leaf Tensor");
        if (this._index.has(p)) throw pyError('ValueError', 'some parameters appear in more than one parameter group');
      }
      for (const p of ps) this._index.set(p, this._live().add(p._handle()));
      this.param_groups.push(g);
    }
    /** zero_grad({ set_to_none = false }): torch 1.13's default zeroes each .grad in place. */
    zero_grad({ set_to_none = false } = {}) {
      zeroGrads(lab, this.param_groups.flatMap((g) => g.params), set_to_none);
    }
    /** step(closure?): one update of every parameter that has a .grad (in the core). */
    step(closure) {
      let loss = null;
      if (closure !== undefined && closure !== null) {
        if (typeof closure !== 'function') throw typeError(`step(): closure must be callable, not ${pyTypeName(closure)}`);
        loss = lab.enable_grad(closure);
      }
      if (lab._lazy.size) lab._flushLazy();   // the parameters change in place
      for (const g of this.param_groups) {
        this._check(g);
        for (const p of g.params) {
          p._desc();
          const r = this._live().step(this._index.get(p), g.lr, g.momentum, g.dampening, g.weight_decay, g.nesterov, g.maximize);
          if (r instanceof Error) throw r;
        }
      }
      return loss;
    }
    _live() {
      if (!this._core) throw new Error('this optimizer was disposed');
      return this._core;
    }
    /** dispose(): frees the optimizer's core state (momentum buffers) now (else the GC does). */
    dispose() {
      if (!this._core) return;
      lab._freer.unregister(this);
      this._core.delete();
      this._core = null;
    }
    /** The momentum buffer of a parameter (a copy), or null before the first step with momentum. */
    momentum_buffer(p) {
      if (!this._index.has(p)) throw pyError('KeyError', 'not a parameter of this optimizer');
      const d = this._live().buffer(this._index.get(p));
      return d === null ? null : lab._wrap(d);
    }
    toString() {
      const lines = ['SGD ('];
      this.param_groups.forEach((g, i) => {
        lines.push(`Parameter Group ${i}`);
        const o = { ...g, differentiable: false, foreach: null };
        delete o.params;
        for (const k of Object.keys(o).sort()) {
          const v = o[k];
          lines.push(`    ${k}: ${v === null ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)}`);
        }
      });
      lines.push(')');
      return lines.join('\n');
    }
    [Symbol.for('nodejs.util.inspect.custom')]() { return this.toString(); }
  }

  // A number as Python prints it (an int-valued Number as an int: JS cannot tell 1 from 1.0).
  function pyRepr(v) {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    const e = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
    if (Number.isInteger(v) || (e >= -4 && e < 16)) return String(v);
    const [m, x] = v.toExponential().split('e');
    const n = Number(x);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }

  return Object.freeze({ SGD });
}
