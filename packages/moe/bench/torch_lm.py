"""The lab's reference language model in PyTorch, for the side-by-side training-step benchmark.

Usage: python3 torch_lm.py [--steps N] [--warmup N] [--threads N] [--dense]
Same model as @verdant/moe's MoeLm (token + position embedding, pre-norm causal attention, GShard top-2 MoE FFN
with capacity 1.25 in every block, GELU tanh, tied output), AdamW with gradient clipping, byte vocabulary, random
tokens from a fixed seed. --dense uses a dense FFN of width k x expert width (equal active parameters). Prints "warm" after the
warm-up steps, then one JSON line: tokens per second of a full training step (forward, backward, optimizer). Needs nothing beyond torch.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

V, S, D, H, L, E, FF, K, CF, B = 256, 128, 256, 4, 4, 8, 1024, 2, 1.25, 16


class MoE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.router = torch.nn.Parameter(torch.randn(D, E) * 0.02)
        self.w1 = torch.nn.Parameter(torch.randn(E, D, FF) * 0.02)
        self.b1 = torch.nn.Parameter(torch.zeros(E, FF))
        self.w2 = torch.nn.Parameter(torch.randn(E, FF, D) * 0.02)
        self.b2 = torch.nn.Parameter(torch.zeros(E, D))

    def forward(self, x):
        T = x.shape[0]
        logits = x @ self.router
        probs = torch.softmax(logits, dim=1)
        topv, topi = probs.topk(K, dim=1)
        gates = topv / topv.sum(dim=1, keepdim=True)
        cap = math.ceil(CF * T * K / E)
        flat_e = topi.t().reshape(-1)  # slot-major: all first choices, then all second choices
        onehot = F.one_hot(flat_e, E)
        pos = ((onehot.cumsum(0) - 1) * onehot).sum(1)
        kept = pos < cap
        tok = torch.arange(T).repeat(K)
        g = gates.t().reshape(-1)
        y = torch.zeros_like(x)
        for e in range(E):
            m = (flat_e == e) & kept
            idx = tok[m]
            h = F.gelu(x[idx] @ self.w1[e] + self.b1[e], approximate="tanh")
            y = y.index_add(0, idx, (h @ self.w2[e] + self.b2[e]) * g[m].unsqueeze(1))
        f = onehot.sum(0).to(x.dtype) / (T * K)
        aux = E * (f * probs.mean(0)).sum()
        return y, 0.01 * aux


class Dense(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.l1 = torch.nn.Linear(D, width)
        self.l2 = torch.nn.Linear(width, D)

    def forward(self, x):
        return self.l2(F.gelu(self.l1(x), approximate="tanh")), x.new_zeros(())


class Block(torch.nn.Module):
    def __init__(self, dense):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(D)
        self.q = torch.nn.Linear(D, D, bias=False)
        self.k = torch.nn.Linear(D, D, bias=False)
        self.v = torch.nn.Linear(D, D, bias=False)
        self.o = torch.nn.Linear(D, D, bias=False)
        self.ln2 = torch.nn.LayerNorm(D)
        self.ffn = Dense(K * FF) if dense else MoE()

    def forward(self, x, mask):
        n, d = x.shape
        b = n // S
        h = self.ln1(x)
        split = lambda t: t.reshape(b, S, H, D // H).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H) + mask, dim=-1) @ v
        x = x + self.o(att.transpose(1, 2).reshape(n, d))
        y, aux = self.ffn(self.ln2(x))
        return x + y, aux


class LM(torch.nn.Module):
    def __init__(self, dense):
        super().__init__()
        self.tok = torch.nn.Parameter(torch.randn(V, D) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(S, D) * 0.02)
        self.blocks = torch.nn.ModuleList([Block(dense) for _ in range(L)])
        self.lnf = torch.nn.LayerNorm(D)
        self.register_buffer("mask", torch.triu(torch.full((S, S), -1e9), diagonal=1))

    def forward(self, tokens, targets):
        b = tokens.shape[0]
        x = (self.tok[tokens] + self.pos).reshape(b * S, D)
        aux = x.new_zeros(())
        for blk in self.blocks:
            x, a = blk(x, self.mask)
            aux = aux + a
        logits = self.lnf(x) @ self.tok.t()
        return F.cross_entropy(logits, targets.reshape(-1)) + aux


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--dense", action="store_true")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = LM(a.dense)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    data = torch.randint(0, V, (100_000,))

    def step():
        at = torch.randint(0, data.numel() - S - 1, (B,))
        idx = at.unsqueeze(1) + torch.arange(S + 1)
        win = data[idx]
        loss = model(win[:, :-1], win[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss)

    for _ in range(a.warmup):
        step()
    print("warm", flush=True)  # the bench measures energy from here
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    s = time.perf_counter() - t0
    print(json.dumps({"tokens_per_s": a.steps * B * S / s, "step_s": s / a.steps, "steps": a.steps,
                      "threads": torch.get_num_threads(), "torch": torch.__version__, "dense": a.dense}))


if __name__ == "__main__":
    main()
