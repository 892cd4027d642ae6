"""Router metrics of a PyTorch Mixture-of-Experts model, reported to Verdant.

One file, no dependency beyond torch. Register it on a model (forward hooks on its router modules: Hugging Face
Mixtral / Qwen-MoE ``...block_sparse_moe.gate`` / ``...mlp.gate``, Switch ``...router.classifier``, or any
modules you name) or feed it router logits yourself, and call ``step()`` after each optimizer step::

    from verdant_moe import MoeMonitor
    monitor = MoeMonitor(model, num_experts=8, top_k=2, total_steps=1000)
    for step in range(1000):
        loss = model(batch).loss; loss.backward(); opt.step(); opt.zero_grad()
        monitor.step(loss=loss.item(), tokens=batch_tokens)

Under ``verdant run -- python train.py`` each ``step()`` appends one JSON line to the file Verdant gives the
program (``VERDANT_MOE_FILE``; else the progress channel ``VERDANT_PROGRESS_FILE``), with ``step``/``total`` for
Verdant's predictions and ``moe``: the per-layer metrics of the MoE lab (docs/moe.md), computed with the same
formulas: loads before and after capacity, share, CV, MaxVio, token and marginal router entropy, dropped and
unrouted fractions, the unscaled Switch balance loss and z-loss, and dead / near-dead experts over a window.
Verdant stores them per run, step and layer; ``verdant moe show <run>`` shows them. Outside Verdant it does
nothing but compute (``monitor.last`` holds the latest metrics).
"""

import json
import math
import os
import time

import torch

__all__ = ["MoeMonitor", "router_metrics", "find_router_modules"]

CHANNEL_ENVS = ("VERDANT_MOE_FILE", "VERDANT_PROGRESS_FILE")


def _entropy(p):
    return float(-(p * torch.log(torch.where(p > 0, p, torch.ones_like(p)))).sum(-1).mean())


def router_metrics(logits, top_k, capacity_factor=None, drop_policy="position"):
    """The lab's per-layer metrics of one step from router logits [tokens, experts] (softmax top-k routing).

    Loads count assignments (a top-2 token counts at both its experts); ``capacity_factor`` (None: dropless) caps
    each expert at ceil(cf * T * k / E), dropping by position (all first choices in token order, then all second
    choices, ...) or by probability.
    """
    logits = logits.detach().to(torch.float64).reshape(-1, logits.shape[-1])
    T, E = logits.shape
    k = int(top_k)
    probs = torch.softmax(logits, dim=-1)
    # Highest first, ties to the lower expert (as the lab's topKRows): a stable sort of the negated values.
    selected = torch.sort(-probs, dim=-1, stable=True).indices[:, :k]
    load_before = torch.bincount(selected.reshape(-1), minlength=E).to(torch.float64)
    kept = torch.ones(T, k, dtype=torch.bool)
    if capacity_factor is not None:
        capacity = math.ceil(capacity_factor * T * k / E)
        if drop_policy == "probability":
            pri = torch.gather(probs, 1, selected).reshape(-1)
            idx = torch.sort(-pri, stable=True).indices
        else:
            idx = torch.arange(T * k).reshape(T, k).t().reshape(-1)  # slot-major: (t, j) at j*T + t
        used = [0] * E
        flat_sel = selected.reshape(-1).tolist()
        flat_kept = kept.reshape(-1)
        for a in idx.tolist():
            e = flat_sel[a]
            if used[e] < capacity:
                used[e] += 1
            else:
                flat_kept[a] = False
        kept = flat_kept.reshape(T, k)
    load_after = torch.zeros(E, dtype=torch.float64)
    load_after.index_add_(0, selected[kept], torch.ones(int(kept.sum()), dtype=torch.float64))
    total = float(load_before.sum())
    mean = total / E
    share = (load_before / total) if total > 0 else torch.zeros(E, dtype=torch.float64)
    cv = float(torch.sqrt(((load_before - mean) ** 2).mean()) / mean) if mean > 0 else 0.0
    max_vio = float((load_before.max() - mean) / mean) if mean > 0 else 0.0
    f = load_before / (T * k)
    P = probs.mean(0)
    assignments = T * k
    return {
        "loadBefore": [float(x) for x in load_before.tolist()],
        "loadAfter": [float(x) for x in load_after.tolist()],
        "share": [float(x) for x in share.tolist()],
        "cv": cv,
        "maxVio": max_vio,
        "tokenEntropy": _entropy(probs),
        "marginalEntropy": _entropy(P.unsqueeze(0)),
        "droppedFraction": 1.0 - float(kept.sum()) / assignments if assignments else 0.0,
        "unroutedFraction": float((~kept.any(1)).sum()) / T if T else 0.0,
        "auxLoss": float(E * (f * P).sum()),
        "zLoss": float((torch.logsumexp(logits, dim=-1) ** 2).mean()),
        "seqAuxLoss": None,
        "bias": None,
        "expertsPerToken": None,
    }


def _dead(window, threshold=0.1):
    if not window:
        return [], []
    E = len(window[0])
    mean_share = [0.0] * E
    seen = [False] * E
    for load in window:
        s = sum(load)
        for e in range(E):
            mean_share[e] += (load[e] / s if s > 0 else 0.0) / len(window)
            if load[e] > 0:
                seen[e] = True
    return [e for e in range(E) if not seen[e]], [e for e in range(E) if mean_share[e] < threshold / E]


def find_router_modules(model, num_experts=None):
    """(name, module) of the router modules of Mixtral / Qwen-MoE (``*.gate``) and Switch (``*.router.classifier``)
    models: linear layers whose output has ``num_experts`` features (any output size when it is None)."""
    found = []
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        if not (name.endswith(".gate") or name == "gate" or name.endswith("router.classifier")):
            continue
        if num_experts is not None and module.out_features != num_experts:
            continue
        found.append((name, module))
    return found


class MoeMonitor:
    """Collects router logits (forward hooks, or ``add_logits``) and reports the lab's metrics at each ``step()``."""

    def __init__(self, model=None, num_experts=None, top_k=2, total_steps=None, modules=None, logits_fn=None,
                 capacity_factor=None, drop_policy="position", dead_window=20, channel=None):
        self.top_k = int(top_k)
        self.total_steps = total_steps
        self.capacity_factor = capacity_factor
        self.drop_policy = drop_policy
        self.dead_window = int(dead_window)
        self.logits_fn = logits_fn
        # Metrics go to VERDANT_MOE_FILE (set by `verdant run`), else to the progress channel itself; step/total go
        # to the progress channel for Verdant's predictions.
        self.channel = channel if channel is not None else next((os.environ[v] for v in CHANNEL_ENVS if os.environ.get(v)), None)
        self.progress = os.environ.get("VERDANT_PROGRESS_FILE") if channel is None else None
        self._handles = []
        self._names = []
        self._pending = {}
        self._windows = {}
        self._step = 0
        self.last = []
        if modules is None and model is not None and logits_fn is None:
            modules = find_router_modules(model, num_experts)
            if not modules:
                raise ValueError("verdant_moe: no router modules found (Linear '*.gate' or '*.router.classifier'); pass modules=[(name, module), ...] or logits_fn")
        for i, (name, module) in enumerate(modules or []):
            self._names.append(name)
            self._handles.append(module.register_forward_hook(self._hook(i)))

    def _hook(self, i):
        def hook(_module, _inputs, output):
            logits = output[0] if isinstance(output, (tuple, list)) else output
            self.add_logits(i, logits)
        return hook

    def add_logits(self, layer, logits):
        """Router logits [..., experts] of MoE layer ``layer`` from one forward pass of this step."""
        self._pending.setdefault(layer, []).append(logits.detach().reshape(-1, logits.shape[-1]).cpu())

    def step(self, step=None, loss=None, tokens=None):
        """Computes this step's metrics of every layer seen since the last call, appends them to Verdant's channel,
        and returns them."""
        if self.logits_fn is not None:
            for i, logits in enumerate(self.logits_fn()):
                self.add_logits(i, logits)
        self._step = int(step) if step is not None else self._step + 1
        layers = []
        for i in sorted(self._pending):
            m = router_metrics(torch.cat(self._pending[i]), self.top_k, self.capacity_factor, self.drop_policy)
            w = self._windows.setdefault(i, [])
            w.append(m["loadBefore"])
            if len(w) > self.dead_window:
                w.pop(0)
            m["dead"], m["nearDead"] = _dead(w)
            m["globalMaxVio"] = None
            m["top1Change"] = None
            m["layer"] = i
            if i < len(self._names):
                m["name"] = self._names[i]
            layers.append(m)
        self._pending = {}
        self.last = layers
        if self.channel:
            record = {"step": self._step, "run": os.environ.get("VERDANT_RUN_ID"), "moe": {"step": self._step, "t": time.time(), "loss": loss, "tokens": tokens, "topK": self.top_k, "layers": layers}}
            if self.total_steps:
                record["total"] = self.total_steps
            with open(self.channel, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        if self.progress and self.progress != self.channel and self.total_steps:
            with open(self.progress, "a", encoding="utf-8") as f:
                f.write(json.dumps({"step": self._step, "total": self.total_steps}) + "\n")
        return layers

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []
