#!/usr/bin/env python3
"""Generates the golden replay files, independently of the Java code.

telemetry.csv: 120 steps of a made-up run (loss falls, plateaus with noise, falls again; step 95
diverges to inf) with the learning rate each step was run with.
decisions.csv: what PyTorch's ReduceLROnPlateau (mode=min, threshold_mode=rel, threshold=1e-4,
factor=0.5, patience=3, cooldown=2, min_lr=0, eps=1e-8) decides after each step, re-implemented
here from torch/optim/lr_scheduler.py. The Java test replays policy
plateau(lr=0.1, factor=0.5, patience=3, cooldown=2) over telemetry.csv and must produce exactly
decisions.csv (clip inf, wd 0, action NONE throughout).

Run: python3 generate.py   (writes both files next to this script)
"""
import math
import os

here = os.path.dirname(os.path.abspath(__file__))
lr, factor, patience, cooldown, threshold, eps, min_lr = 0.1, 0.5, 3, 2, 1e-4, 1e-8, 0.0
best, num_bad, cooldown_counter = math.inf, 0, 0

tele = ["step,epoch,loss,grad_norm,lr,clip,wd,val_loss"]
dec = ["step,decided_lr,decided_clip,decided_wd,action"]
for t in range(120):
    if t < 40:
        loss = 2.0 / (1 + 0.05 * t)
    elif t < 80:
        loss = 0.9 + 0.01 * math.sin(t)
    else:
        loss = 0.7 / (1 + 0.01 * (t - 80))
    if t == 95:
        loss = math.inf
    grad = 0.5 + (loss if math.isfinite(loss) else 50.0) + (t % 5) * 0.1
    val = repr(loss * 1.1) if t % 10 == 0 and math.isfinite(loss) else ""
    tele.append(f"{t},{t // 50},{'inf' if math.isinf(loss) else repr(loss)},{repr(grad)},{repr(lr)},inf,0.0,{val}")
    # scheduler.step(loss): PyTorch ReduceLROnPlateau.step
    current = loss
    if current < best * (1 - threshold):  # is_better, rel mode, min
        best, num_bad = current, 0
    else:
        num_bad += 1
    if cooldown_counter > 0:
        cooldown_counter -= 1
        num_bad = 0
    if num_bad > patience:
        new_lr = max(lr * factor, min_lr)
        if lr - new_lr > eps:
            lr = new_lr
        cooldown_counter = cooldown
        num_bad = 0
    dec.append(f"{t},{repr(lr)},inf,0.0,NONE")

with open(os.path.join(here, "telemetry.csv"), "w") as f:
    f.write("\n".join(tele) + "\n")
with open(os.path.join(here, "decisions.csv"), "w") as f:
    f.write("\n".join(dec) + "\n")
