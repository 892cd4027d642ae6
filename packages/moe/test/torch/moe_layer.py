"""Reference MoE layer in PyTorch (float64) for the lab's numerical check.

Usage: python3 moe_layer.py IN.json OUT.json
IN holds cases: a resolved router, shapes, the weights, the input x and the upstream gradient r. For each case it
computes y = MoE(x), the routing losses, loss = sum(y * r) + aux_coef*aux + z_coef*z + seq_coef*seq_aux, and the
gradients of loss with respect to x and every weight. Written from the papers' formulas, independently of the
TypeScript implementation; needs nothing beyond torch.
"""
import json
import math
import sys

import torch

torch.set_default_dtype(torch.float64)


def t(values, shape):
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


def act(h, name):
    if name == "relu":
        return torch.relu(h)
    return torch.nn.functional.gelu(h, approximate="tanh")


def capacity_of(router, T, E):
    cf = router["capacityFactor"]
    if cf is None:
        return None
    k = router["k"] if router["k"] is not None else 1
    c = math.ceil(cf * T * k / E)
    return min(T, c) if router["choice"] == "expert" else c


def run_case(case):
    router = case["router"]
    T, d, h, E = case["T"], case["d"], case["h"], case["E"]
    S = case["seqLen"]
    x = t(case["x"], (T, d)).requires_grad_(True)
    r = t(case["r"], (T, d))
    w_router = t(case["wRouter"], (d, E)).requires_grad_(True)
    experts = []
    for ew in case["experts"]:
        experts.append({
            "w1": t(ew["w1"], (d, h)).requires_grad_(True),
            "b1": t(ew["b1"], (h,)).requires_grad_(True),
            "w2": t(ew["w2"], (h, d)).requires_grad_(True),
            "b2": t(ew["b2"], (d,)).requires_grad_(True),
        })
    bias = torch.tensor(case["bias"], dtype=torch.float64)

    logits = x @ w_router
    if router["scoring"] == "sigmoid":
        scores = torch.sigmoid(logits)
        probs = scores / scores.sum(dim=1, keepdim=True)
    else:
        scores = torch.softmax(logits, dim=1)
        probs = scores
    cap = capacity_of(router, T, E)

    # assignments: list of (token, expert, gate tensor); kept flags
    assign = []
    out = {}
    if router["choice"] == "expert":
        C = cap
        sel = []
        for e in range(E):
            top = torch.topk(probs[:, e].detach(), C).indices.tolist()
            for tok in top:
                sel.append(tok)
                assign.append((tok, e, scores[tok, e]))
        kept = [1] * len(assign)
        load_before = [C] * E
        out["selected"] = sel
    else:
        k = router["k"]
        select_by = scores.detach() + bias if router["kind"] == "aux-free" else (
            scores.detach() if router["scoring"] == "sigmoid" else logits.detach())
        top = torch.topk(select_by, k, dim=1).indices  # [T, k], highest first
        if router["scoring"] == "softmax" and router["softmax"] == "post":
            gates = torch.softmax(torch.gather(logits, 1, top), dim=1)
        else:
            g = torch.gather(scores, 1, top)
            gates = g / g.sum(dim=1, keepdim=True) if router["normalize"] else g
        sel = top.reshape(-1).tolist()
        load_before = [0] * E
        for e in sel:
            load_before[e] += 1
        # capacity: slot-major order (all first choices, then second ...), or by probability
        order = [tok * k + j for j in range(k) for tok in range(T)]
        if router["dropPolicy"] == "probability":
            pr = probs.detach()
            rank = {a: i for i, a in enumerate(order)}
            order.sort(key=lambda a: (-float(pr[a // k, sel[a]]), rank[a]))
        kept = [0] * (T * k)
        used = [0] * E
        for a in order:
            e = sel[a]
            if cap is None or used[e] < cap:
                used[e] += 1
                kept[a] = 1
        for a in range(T * k):
            assign.append((a // k, sel[a], gates[a // k, a % k]))
        out["selected"] = sel

    y = torch.zeros(T, d)
    for e in range(E):
        rows = [i for i, (tok, ex, _g) in enumerate(assign) if ex == e and kept[i]]
        if not rows:
            continue
        toks = torch.tensor([assign[i][0] for i in rows])
        g = torch.stack([assign[i][2] for i in rows]).unsqueeze(1)
        ew = experts[e]
        ye = act(x[toks] @ ew["w1"] + ew["b1"], case["activation"]) @ ew["w2"] + ew["b2"]
        y = y.index_add(0, toks, ye * g)

    z = (torch.logsumexp(logits, dim=1) ** 2).mean()
    if router["choice"] == "token":
        f = torch.tensor([c / (T * router["k"]) for c in load_before])
        aux = E * (f * probs.mean(dim=0)).sum()
    else:
        aux = torch.tensor(0.0)
    seq_aux = torch.tensor(0.0)
    if router["kind"] == "aux-free":
        k = router["k"]
        B = T // S
        f = torch.zeros(B, E)
        for a, e in enumerate(out["selected"]):
            f[(a // k) // S, e] += E / (k * S)
        p_seq = probs.reshape(B, S, E).mean(dim=1)
        seq_aux = (f * p_seq).sum() / B
    routing_loss = router["auxLossCoef"] * aux + router["zLossCoef"] * z + router["seqAuxLossCoef"] * seq_aux
    loss = (y * r).sum() + routing_loss
    loss.backward()

    bias_after = None
    if router["kind"] == "aux-free":
        mean = sum(load_before) / E
        bias_after = [float(b) + router["biasUpdateRate"] * float(torch.sign(torch.tensor(mean - l)))
                      for b, l in zip(case["bias"], load_before)]

    flat = lambda v: v.detach().reshape(-1).tolist()
    out.update({
        "logits": flat(logits),
        "probs": flat(probs),
        "kept": kept,
        "gates": [float(a[2]) for a in assign],
        "loadBefore": load_before,
        "y": flat(y),
        "aux": float(aux),
        "z": float(z),
        "seqAux": float(seq_aux),
        "loss": float(loss),
        "biasAfter": bias_after,
        "grads": {
            "x": flat(x.grad),
            "wRouter": flat(w_router.grad),
            "experts": [{key: flat(ew[key].grad) if ew[key].grad is not None else [0.0] * ew[key].numel()
                         for key in ("w1", "b1", "w2", "b2")} for ew in experts],
        },
    })
    return out


def main():
    with open(sys.argv[1]) as fh:
        cases = json.load(fh)["cases"]
    results = [run_case(c) for c in cases]
    with open(sys.argv[2], "w") as fh:
        json.dump({"torch": torch.__version__, "results": results}, fh)


if __name__ == "__main__":
    main()
