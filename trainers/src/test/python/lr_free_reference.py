"""Independent NumPy references for LrFreeOptimizerTest (float64).

A two-layer linear network (dense 3->3 identity, output 3->2 identity, MSE as DL4J defines it:
per example sum_j (yhat_j - y_j)^2 / nOut, averaged over the batch) trained full-batch for five
steps. Each step: gradient, global-norm clip g <- g * min(1, c/|g|), then the optimizer as its
reference implementation writes it (schedule_free AdamWScheduleFree, prodigyopt Prodigy 1.1.2,
dog-optimizer DoG 1.0.3), transcribed to NumPy over the whole parameter vector. Per-layer
multipliers m_l scale layer l's step (see FlatOptimizer). Run: python3 lr_free_reference.py
"""
import numpy as np

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-1.0, 0.75, 1.0], [0.2, -0.3, -1.2]])
Y = np.array([[1.0, -0.5], [0.0, 2.0], [-1.5, 0.5], [0.7, -0.2]])
W0 = np.array([[0.3, -0.2, 0.1], [0.05, 0.4, -0.3], [-0.25, 0.15, 0.2]])
B0 = np.array([0.01, -0.02, 0.03])
W1 = np.array([[0.2, -0.1], [-0.3, 0.25], [0.15, 0.05]])
B1 = np.array([0.0, 0.1])
SIZES = [W0.size + B0.size, W1.size + B1.size]


def unpack(t):
    w0 = t[0:9].reshape(3, 3); b0 = t[9:12]; w1 = t[12:18].reshape(3, 2); b1 = t[18:20]
    return w0, b0, w1, b1


def pack(w0, b0, w1, b1):
    return np.concatenate([w0.ravel(), b0, w1.ravel(), b1])


def grad(t):
    w0, b0, w1, b1 = unpack(t)
    h = X @ w0 + b0
    yh = h @ w1 + b1
    n, k = Y.shape
    d = 2 * (yh - Y) / (n * k)
    gw1 = h.T @ d; gb1 = d.sum(0)
    dh = d @ w1.T
    gw0 = X.T @ dh; gb0 = dh.sum(0)
    loss = ((yh - Y) ** 2).sum() / (n * k)
    return pack(gw0, gb0, gw1, gb1), loss


def clip(g, c):
    n = np.linalg.norm(g)
    return g * (c / n) if n > c else g


def layer_vec(mult):
    return np.concatenate([np.full(s, m) for s, m in zip(SIZES, mult)])


def sf_adamw(lr, wd, c, mult, steps=5, b1=0.9, b2=0.999, eps=1e-8, warmup=0, r=0.0, wlp=2.0):
    y = pack(W0, B0, W1, B1); z = y.copy(); v = np.zeros_like(y)
    lr_max = -1.0; wsum = 0.0; m = layer_vec(mult)
    for k in range(steps):
        g = clip(grad(y)[0], c)
        sched = (k + 1) / warmup if k < warmup else 1.0
        bc2 = 1 - b2 ** (k + 1)
        lrk = lr * sched
        lr_max = max(lrk, lr_max)
        w = (k + 1) ** r * lr_max ** wlp
        wsum += w
        ck = w / wsum if wsum != 0 else 0.0
        v = b2 * v + (1 - b2) * g * g
        u = g / (np.sqrt(v / bc2) + eps) + wd * y
        y = y + ck * (z - y) + lrk * m * (b1 * (1 - ck) - 1) * u
        z = z - lrk * m * u
    x = y + (1 - 1 / b1) * (z - y)
    return y, x, (steps, lr_max, wsum)


def prodigy(lr, wd, c, mult, steps=5, b1=0.9, b2=0.999, b3=None, eps=1e-8, d0=1e-6, d_coef=1.0,
            growth=np.inf, decouple=True, bias_correction=False, safeguard=False):
    b3 = np.sqrt(b2) if b3 is None else b3
    p = pack(W0, B0, W1, B1); p0 = p.copy(); m1 = np.zeros_like(p); v = np.zeros_like(p)
    s = np.zeros_like(p); d = d0; d_max = d0; num = 0.0; mm = layer_vec(mult)
    for k in range(steps):
        g = clip(grad(p)[0], c)
        bc = np.sqrt(1 - b2 ** (k + 1)) / (1 - b1 ** (k + 1)) if bias_correction else 1.0
        dlr = d * lr * bc
        if wd != 0 and not decouple:
            g = g + wd * p
        num = num * b3 + (d / d0) * dlr * np.dot(g, p0 - p)
        m1 = b1 * m1 + d * (1 - b1) * g
        v = b2 * v + d * d * (1 - b2) * g * g
        s = b3 * s + (d / d0) * (d if safeguard else dlr) * g
        den = np.abs(s).sum()
        d_hat = d_coef * num / den
        if d == d0:
            d = max(d, d_hat)
        d_max = max(d_max, d_hat)
        d = min(d_max, d * growth)
        denom = np.sqrt(v) + d * eps
        if wd != 0 and decouple:
            p = p - mm * wd * dlr * p
        p = p - mm * dlr * m1 / denom
    return p, (steps, d, d_max, num)


def dog(lr, wd, c, mult, steps=5, reps_rel=1e-6, eps=1e-8):
    x = pack(W0, B0, W1, B1); x0 = x.copy(); m = layer_vec(mult)
    for t in range(steps):
        g = clip(grad(x)[0], c) + wd * x
        if t == 0:
            rbar = reps_rel * (1 + np.linalg.norm(x0)); G = g @ g + eps
        else:
            rbar = max(rbar, np.linalg.norm(x - x0)); G += g @ g
        eta = lr * rbar / np.sqrt(G)
        x = x - m * eta * g
    return x, (steps, rbar, G, eta)


def show(name, vec, extra):
    print("//", name)
    print("  {" + ", ".join(repr(float(e)) for e in vec) + "}")
    if extra:
        print("  scalars {" + ", ".join(repr(float(e)) for e in extra) + "}")


if __name__ == "__main__":
    g0, l0 = grad(pack(W0, B0, W1, B1))
    print("initial |g| =", repr(float(np.linalg.norm(g0))), "loss =", repr(float(l0)))
    C = 0.5  # clips the first steps: |g0| is above it
    y, x, sc = sf_adamw(0.05, 0.01, C, [1, 1])
    show("sf-adamw lr=0.05 wd=0.01 clip=0.5: y", y, sc); show("  x", x, [])
    y, x, sc = sf_adamw(0.05, 0.0, np.inf, [0.5, 2.0], warmup=3, r=1.0)
    show("sf-adamw(warmup=3, r=1) lr=0.05 mult=(0.5,2): y", y, sc); show("  x", x, [])
    p, sc = prodigy(1.0, 0.1, C, [1, 1])
    show("prodigy lr=1 wd=0.1 clip=0.5", p, sc)
    p, sc = prodigy(0.5, 0.1, np.inf, [0.5, 2.0], d0=1e-3, bias_correction=True, decouple=False)
    show("prodigy(d0=1e-3, bias-correction, decouple=false) lr=0.5 wd=0.1 mult=(0.5,2)", p, sc)
    p, sc = dog(1.0, 0.0, C, [1, 1])
    show("dog lr=1 clip=0.5", p, sc)
    p, sc = dog(0.8, 0.05, np.inf, [0.5, 2.0], reps_rel=1e-2)
    show("dog(reps-rel=1e-2) lr=0.8 wd=0.05 mult=(0.5,2)", p, sc)
