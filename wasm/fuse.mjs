// The JS API's deferred float32 chains: LossLab's _defer, _unpin, _materialize and _flushLazy
// (losslab.mjs installs them on LossLab, as it does tensor_ops.mjs's ops).
//
// Elementwise float32 arithmetic that autograd does not record (add/sub/mul/div with a tensor
// of the same shape or a number, neg, log, exp, sqrt, abs, square, log1p, expm1, tanh, relu) is
// not computed at once: the result is a tensor with a node (the op and its operands) and no
// buffer. The first use that needs its values (any other op, item, toArray, printing, a
// loss) runs the whole chain below it in one pass in the core (arith.hpp's fused, the eager
// kernels chunk by chunk), so `y * log(s) + (1 - y) * log(1 - s)` reads y and s once instead
// of making six full-size temporaries. The values are the eager ops' bit for bit; shape and
// dtype are known at once, and these ops cannot fail, so errors are where they always were.
// The buffers a chain reads (its leaves) are pinned: dispose() of a pinned tensor frees it
// once no pending chain needs it, and an in-place change (zero_, copy_, uniform_, backward's
// accumulation, an optimizer's step) first computes every pending chain. Pins count per buffer
// address too, since two tensors can share one buffer (detach(), a .grad read twice).

export const FUSE_MAX_INSTRUCTIONS = 24;
export const FUSE_MAX_INPUTS = 8;
export const FUSE_MIN_ELEMENTS = 2048;   // below: the op runs eagerly (createLossLab's fuseMinElements)

/** The methods, as a class whose prototype losslab.mjs copies onto LossLab's. */
export function fusionMethods(Tensor, INTERNAL) {
  return class Fusion {
    // A deferred tensor for node { kind, op, a, b, num } over operands a / b (Tensors or null for
    // the number), or null when the chain would grow past the limits (then the op runs eagerly).
    _defer(kind, op, a, b, num, shape) {
      if (!this._fuse || shape.reduce((x, y) => x * y, 1) < this._fuseMin) return null;
      const part = (t) => {
        if (t === null) return null;
        if (t._host !== undefined) t._desc();   // a leaf needs its buffer
        return t._node ?? { leaf: true, t, ptr: t._ptr };
      };
      const na = part(a), nb = part(b);
      const size = 1 + [na, nb].reduce((acc, x) => acc + (x === null ? 0 : x.leaf ? 1 : x.size), 0);
      if (size > FUSE_MAX_INSTRUCTIONS) return null;
      const leaves = new Set();
      for (const x of [na, nb]) {
        if (x === null) continue;
        if (x.leaf) leaves.add(x.t);
        else for (const l of x.leaves) leaves.add(l);
      }
      if (leaves.size > FUSE_MAX_INPUTS) return null;
      const node = { kind, op, a: na, b: nb, num, size, leaves: [...leaves] };
      for (const l of node.leaves) {
        l._pins++;
        this._pinned.set(l._ptr, (this._pinned.get(l._ptr) ?? 0) + 1);
      }
      return new Tensor(this, { ptr: 0, dtype: 'float32', shape, node }, INTERNAL);
    }

    // Drops one pin from each leaf; a leaf disposed while pinned is freed with its last pin.
    _unpin(leaves) {
      for (const l of leaves) {
        const p = l._ptr || l._deferredFree.ptr;
        const n = this._pinned.get(p) - 1;
        if (n === 0) this._pinned.delete(p);
        else this._pinned.set(p, n);
        if (--l._pins === 0 && l._deferredFree) {
          const { ptr, h } = l._deferredFree;
          l._deferredFree = null;
          if (h) this._M.varRelease(h);
          else this._M._free(ptr);
        }
      }
    }

    // Computes t's chain into a new buffer (the node's instructions in dependency order, shared
    // sub-chains once, each leaf one input).
    _materialize(t) {
      const node = t._node;
      const code = [], index = new Map(), ptrs = [], leafAt = new Map();
      const visit = (x) => {
        if (index.has(x)) return index.get(x);
        let ins;
        if (x.leaf) {
          if (!leafAt.has(x.ptr)) { leafAt.set(x.ptr, ptrs.length); ptrs.push(x.ptr); }
          ins = [0, 0, -1, -1, 0, 0, 0, 0, leafAt.get(x.ptr)];
        } else {
          const a = x.a === null ? -1 : visit(x.a), b = x.b === null ? -1 : visit(x.b);
          ins = [x.kind, x.op, a, b, ...(x.num ?? [0, 0, 0, 0]), 0];
        }
        code.push(ins);
        index.set(x, code.length - 1);
        return code.length - 1;
      };
      visit(node);
      const shape = t._shape;
      const pack = this._packView(2 + shape.length + ptrs.length + code.length * 9);
      let k = 0;
      pack[k++] = shape.length;
      for (const d of shape) pack[k++] = d;
      pack[k++] = ptrs.length;
      for (const p of ptrs) pack[k++] = p;
      pack[k++] = code.length;
      for (const ins of code) for (const v of ins) pack[k++] = v;
      if (this._M._losslab_fused() !== 0) throw this._M.lastError();
      const r = this._resultView();
      const [desc] = this._readTensor(r, 0);
      this._freer.unregister(t);
      t._ptr = desc.ptr >>> 0;
      t._node = null;
      this._lazy.delete(t._lazyRef);
      this._freer.register(t, t._ptr, t);
      this._unpin(node.leaves);
    }

    // Computes every pending chain (before anything changes a buffer in place).
    _flushLazy() {
      for (const ref of [...this._lazy]) {
        const t = ref.deref();
        if (t === undefined) this._lazy.delete(ref);
        else if (t._node) this._materialize(t);
      }
    }
  };
}
