#!/usr/bin/env python3
"""Why the growth factor holds the step size down (docs/numerics.md, "Where the steps go").

A decaying, diffusing signal g with a fixed source S (the growth factor of the skin model:
D = 3.33 um^2/s, half-life 2 h, on a 40 x 40 grid of 20 um; two point-like sources and a
weak band) has the steady state (k - L) g = S. A time step that keeps going from that state
should leave it unchanged. This script computes the fixed point of several one-step maps
and prints its largest error relative to max(g), for steps from 10 min to a week:

  current            reaction (decay + source, exact) then backward-Euler LOD (x then z),
                     what skinheal's split step does
  decay_in_z         the decay moved into the z factor of the LOD
  half_half          the decay split between the two LOD factors
  R-then-exactD      reaction, then an unsplit (exact) backward-Euler diffusion solve
  exactD-with-decay  one unsplit backward-Euler solve of diffusion + decay, source added

Only the last keeps the steady state (to the GMRES tolerance). Both the directional (LOD)
splitting and the reaction-diffusion splitting leave errors of 25-80 % at the steps the
quiet months would like to take.

Needs Debian's python3-numpy and python3-scipy:  /usr/bin/python3 benchmarks/split_fixed_point.py
"""
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl

N, DX, D = 40, 20.0, 3.33          # cells per side, um, um^2/s
K = np.log(2) / 7200.0             # 1/s, half-life 2 h (models/inflammation.hpp)


def lap1d(n):
    m = sp.diags([np.ones(n - 1), -2 * np.ones(n), np.ones(n - 1)], [-1, 0, 1]).tolil()
    m[0, 0] = m[-1, -1] = -1      # no-flux ends
    return (D / DX**2) * m.tocsr()


I1, L1 = sp.identity(N), lap1d(N)
LX, LZ = sp.kron(I1, L1).tocsr(), sp.kron(L1, I1).tocsr()
I = sp.identity(N * N)
S = np.zeros(N * N)
S[5 * N + 10] = S[5 * N + 30] = 1.0
S[20 * N:21 * N] += 0.01
G_EXACT = spl.spsolve((K * I - (LX + LZ)).tocsc(), S)


def fixed_point(step):
    b = step(np.zeros(N * N))
    op = spl.LinearOperator((N * N, N * N), matvec=lambda v: v - (step(v) - b))
    g, _ = spl.gmres(op, b, atol=1e-14, restart=200, maxiter=2000)
    return g


def error(step):
    return np.max(np.abs(fixed_point(step) - G_EXACT)) / np.max(G_EXACT)


def main():
    print(f"{'step':>9} {'h k':>7} {'current':>10} {'decay_in_z':>11} {'half_half':>10} "
          f"{'R-then-exactD':>14} {'exactD-with-decay':>18}")
    for h in [600.0, 3600.0, 3 * 3600.0, 86400.0, 7 * 86400.0]:
        lu = lambda m: spl.splu(m.tocsc()).solve
        fx, fz = lu(I - h * LX), lu(I - h * LZ)
        fzk = lu(I - h * LZ + h * K * I)
        fxh, fzh = lu(I - h * LX + 0.5 * h * K * I), lu(I - h * LZ + 0.5 * h * K * I)
        fd, fdk = lu(I - h * (LX + LZ)), lu(I - h * (LX + LZ) + h * K * I)
        e = np.exp(-K * h)
        react = lambda g: e * g + (1 - e) * S / K
        maps = [lambda g: fz(fx(react(g))), lambda g: fzk(fx(g + h * S)),
                lambda g: fzh(fxh(g + h * S)), lambda g: fd(react(g)),
                lambda g: fdk(g + h * S)]
        errs = [error(m) for m in maps]
        print(f"{h / 3600:7.2f} h {h * K:7.3f} " + " ".join(
            f"{x:{w}.2e}" for x, w in zip(errs, [10, 11, 10, 14, 18])))


if __name__ == "__main__":
    main()
