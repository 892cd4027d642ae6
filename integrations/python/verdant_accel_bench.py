"""Measured accelerator profiles for Verdant: a GEMM sweep per precision, memory bandwidth and a MoE training step.

One file, no dependency beyond torch (and Intel's habana_frameworks on Gaudi). It finds the device itself: a CUDA
GPU (NVIDIA, or AMD under ROCm: torch.version.hip), a Gaudi (hpu), else the CPU, and measures on device 0:

- GEMM: C = A @ B of square n x n matrices per precision (fp32, tf32, bf16, fp16, fp8 where the device and this
  torch have it) and size; warm-up first, then whole batches of multiplies timed between device synchronisations
  for at least ``--seconds``; FLOP/s = 2 n^3 x multiplies / seconds.
- Memory bandwidth: a large tensor copied on the device (``dst.copy_(src)``); bytes moved count the read and the
  write (2 x size per copy, as STREAM's copy).
- A training step: a small decoder-only transformer with a top-2 MoE feed-forward (fixed expert capacity, so
  shapes are static), AdamW, forward + backward + update; tokens/s, and FLOP/s as 6 x active parameters per token.

Run it under Verdant so that the device's power is measured while it runs:

    verdant accel bench --device auto                 # runs this script under the tracker, stores profiles
    verdant run -- python3 verdant_accel_bench.py     # the same; the profiles are stored when the run ends

Each measurement is one JSON line written to the file Verdant gives the program (VERDANT_ACCEL_FILE), else to
``--out``, else to stdout; progress goes to stderr. Every record has ``type``; times are epoch seconds
(``t_start_s``/``t_end_s``, so Verdant can take the energy of each phase from its samples), rates are per second
and every name carries its unit:

    {"type": "device", "schema": 1, "backend": "cuda", "name": "NVIDIA H100 80GB HBM3", "memory_bytes": ..., ...}
    {"type": "gemm", "precision": "bf16", "n": 4096, "multiplies": 812, "duration_s": 2.0, "flops_per_s": ..., ...}
    {"type": "bandwidth", "bytes": ..., "copies": ..., "duration_s": ..., "bytes_per_s": ..., ...}
    {"type": "train_step", "model": "moe", "tokens_per_step": ..., "tokens_per_s": ..., "flops_per_s": ..., ...}
    {"type": "skipped", "what": "fp8", "reason": "..."}
    {"type": "done", "t_end_s": ...}
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

CHANNEL_ENV = "VERDANT_ACCEL_FILE"
PRECISIONS = ("fp32", "tf32", "bf16", "fp16", "fp8")
SCHEMA = 1

# Training-step models: d_model, layers, heads, experts, expert width, sequence, batch.
TRAIN_MODELS = {
    "tiny": dict(d=32, layers=2, heads=2, experts=4, ff=64, seq=32, batch=4),
    # The MoE lab's reference configuration (docs/moe.md): comparable with `verdant accel bench` in Node.
    "reference": dict(d=256, layers=4, heads=4, experts=8, ff=1024, seq=128, batch=16),
    "large": dict(d=1024, layers=4, heads=16, experts=8, ff=4096, seq=1024, batch=8),
}
VOCAB, TOP_K, CAPACITY_FACTOR = 256, 2, 1.25


def log(msg):
    print(f"verdant_accel_bench: {msg}", file=sys.stderr, flush=True)


class Backend:
    """The device measured: how to place tensors, wait for the device, and end a lazy-mode step (Gaudi)."""

    def __init__(self, kind, device, name, memory_bytes, count, htcore=None):
        self.kind = kind  # cuda, rocm, hpu, cpu
        self.device = torch.device(device)
        self.name = name
        self.memory_bytes = memory_bytes
        self.count = count
        self.htcore = htcore

    def sync(self):
        if self.kind in ("cuda", "rocm"):
            torch.cuda.synchronize(self.device)
        elif self.kind == "hpu":
            torch.hpu.synchronize()

    def step(self):
        if self.htcore is not None:
            self.htcore.mark_step()


def detect(requested):
    """The device to measure: hpu when habana_frameworks is there, else CUDA (incl. ROCm), else the CPU."""
    if requested in ("auto", "hpu"):
        try:
            import habana_frameworks.torch.core as htcore  # noqa: F401 (registers the hpu device)
            import habana_frameworks.torch.hpu as hthpu

            if hthpu.is_available():
                name = hthpu.get_device_name() if hasattr(hthpu, "get_device_name") else "Gaudi"
                mem = None
                try:
                    mem = int(hthpu.get_device_properties(0).total_memory)
                except Exception:  # noqa: BLE001 (not every release has it)
                    pass
                return Backend("hpu", "hpu", name, mem, hthpu.device_count(), htcore)
        except ImportError:
            pass
        if requested == "hpu":
            raise SystemExit("verdant_accel_bench: no Gaudi: habana_frameworks is not installed or sees no device")
    if requested in ("auto", "cuda") and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        kind = "rocm" if getattr(torch.version, "hip", None) else "cuda"
        return Backend(kind, "cuda:0", torch.cuda.get_device_name(0), int(props.total_memory), torch.cuda.device_count())
    if requested == "cuda":
        raise SystemExit("verdant_accel_bench: torch sees no CUDA or ROCm device (torch.cuda.is_available() is False)")
    mem = None
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    return Backend("cpu", "cpu", cpu_name(), mem, 1)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "CPU"


def timed(fn, seconds, be, warmup=3):
    """Runs fn `warmup` times (the last one, synchronised, sizes the batches), then in whole batches between
    synchronisations until `seconds` have passed; returns (calls, seconds, t_start, t_end)."""
    t = time.perf_counter()
    for i in range(warmup):
        if i == warmup - 1:
            be.sync()
            t = time.perf_counter()
        fn()
        be.step()
    be.sync()
    one = max(time.perf_counter() - t, 1e-7)
    batch = max(1, min(10_000, int(seconds / 10 / one)))
    calls = 0
    wall0 = time.time()
    t0 = time.perf_counter()
    while True:
        for _ in range(batch):
            fn()
            be.step()
        be.sync()
        calls += batch
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            break
    return calls, elapsed, wall0, wall0 + elapsed


def gemm_case(precision, n, be):
    """A function doing one n x n multiply in `precision`, or raises why it cannot run here."""
    dev = be.device
    gpu = be.kind in ("cuda", "rocm")
    if precision == "tf32":
        if be.kind != "cuda":
            raise RuntimeError(f"TF32 is switched through torch.backends.cuda.matmul.allow_tf32 on NVIDIA GPUs only ({be.kind} not measured)")
        if torch.cuda.get_device_capability(dev)[0] < 8:
            raise RuntimeError("TF32 needs compute capability 8.0 or later")
    if gpu:
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    if precision == "fp8":
        return fp8_case(n, be)
    dtype = {"fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    a = torch.randn(n, n, device=dev).to(dtype)
    b = torch.randn(n, n, device=dev).to(dtype)
    c = torch.empty(n, n, device=dev, dtype=dtype)

    def fn():
        torch.matmul(a, b, out=c)

    fn()  # raises here when the dtype has no matmul on this device (fp16 on older CPU builds)
    be.step()
    be.sync()
    return fn


def fp8_case(n, be):
    if not hasattr(torch, "_scaled_mm"):
        raise RuntimeError(f"this torch ({torch.__version__}) has no torch._scaled_mm (fp8 matmul needs torch 2.1 or later)")
    if be.kind == "cuda":
        if torch.cuda.get_device_capability(be.device) < (8, 9):
            raise RuntimeError("fp8 matmul needs compute capability 8.9 or later (Ada, Hopper, Blackwell)")
        fp8 = torch.float8_e4m3fn
    elif be.kind == "rocm":
        fp8 = getattr(torch, "float8_e4m3fnuz", None) or torch.float8_e4m3fn
    else:
        raise RuntimeError(f"fp8 matmul is measured on CUDA and ROCm GPUs only ({be.kind} not measured)")
    dev = be.device
    a = torch.randn(n, n, device=dev).to(fp8)
    b = torch.randn(n, n, device=dev).to(fp8).t()  # column-major, as _scaled_mm requires
    one = torch.ones((), device=dev, dtype=torch.float32)

    def fn():
        r = torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        return r[0] if isinstance(r, tuple) else r  # torch 2.1-2.3 returned (out, amax)

    fn()
    be.sync()
    return fn


class Moe(torch.nn.Module):
    """Top-2 MoE FFN with a fixed capacity per expert (GShard, slot-major drops): static shapes on every device."""

    def __init__(self, d, experts, ff):
        super().__init__()
        self.experts = experts
        self.router = torch.nn.Parameter(torch.randn(d, experts) * 0.02)
        self.w1 = torch.nn.Parameter(torch.randn(experts, d, ff) * 0.02)
        self.b1 = torch.nn.Parameter(torch.zeros(experts, 1, ff))
        self.w2 = torch.nn.Parameter(torch.randn(experts, ff, d) * 0.02)
        self.b2 = torch.nn.Parameter(torch.zeros(experts, 1, d))

    def forward(self, x):
        T, D = x.shape
        E = self.experts
        probs = torch.softmax((x @ self.router).float(), dim=-1)
        topv, topi = probs.topk(TOP_K, dim=-1)
        gates = (topv / topv.sum(-1, keepdim=True)).to(x.dtype)
        cap = math.ceil(CAPACITY_FACTOR * T * TOP_K / E)
        flat_e = topi.t().reshape(-1)  # all first choices, then all second choices
        onehot = F.one_hot(flat_e, E)
        pos = ((onehot.cumsum(0) - 1) * onehot).sum(1)
        slot = torch.where(pos < cap, flat_e * cap + pos, torch.full_like(pos, E * cap))  # dropped: a spare row
        tok = torch.arange(T, device=x.device).repeat(TOP_K)
        buf = x.new_zeros(E * cap + 1, D).index_add(0, slot, x[tok])
        h = buf[: E * cap].view(E, cap, D)
        h = torch.bmm(F.gelu(torch.bmm(h, self.w1) + self.b1, approximate="tanh"), self.w2) + self.b2
        out = torch.cat([h.reshape(E * cap, D), h.new_zeros(1, D)])[slot]
        y = x.new_zeros(T, D).index_add(0, tok, (out * gates.t().reshape(-1, 1)).to(x.dtype))
        f = onehot.float().mean(0)
        return y, E * (f * probs.mean(0)).sum()


class Block(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["d"]
        self.heads = c["heads"]
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d, bias=False)
        self.o = torch.nn.Linear(d, d, bias=False)
        self.ln2 = torch.nn.LayerNorm(d)
        self.ffn = Moe(d, c["experts"], c["ff"])

    def forward(self, x, b, s):
        n, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(b, s, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        if hasattr(F, "scaled_dot_product_attention"):
            att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            mask = torch.triu(torch.full((s, s), float("-inf"), device=x.device), diagonal=1)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.heads) + mask, dim=-1) @ v
        x = x + self.o(att.transpose(1, 2).reshape(n, d))
        y, aux = self.ffn(self.ln2(x))
        return x + y, aux


class Lm(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.tok = torch.nn.Parameter(torch.randn(VOCAB, c["d"]) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(c["seq"], c["d"]) * 0.02)
        self.blocks = torch.nn.ModuleList([Block(c) for _ in range(c["layers"])])
        self.lnf = torch.nn.LayerNorm(c["d"])

    def forward(self, tokens, targets):
        b, s = tokens.shape
        x = (self.tok[tokens] + self.pos).reshape(b * s, -1)
        aux = x.new_zeros((), dtype=torch.float32)
        for blk in self.blocks:
            x, a = blk(x, b, s)
            aux = aux + a
        logits = self.lnf(x) @ self.tok.t()
        return F.cross_entropy(logits.float(), targets.reshape(-1)) + 0.01 * aux

    def params(self):
        total = sum(p.numel() for p in self.parameters())
        experts = sum(p.numel() for m in self.modules() if isinstance(m, Moe) for p in (m.w1, m.b1, m.w2, m.b2))
        return total, total - experts + experts * TOP_K // self.c["experts"]


def train_precision(be, requested):
    if requested != "auto":
        return requested
    if be.kind == "hpu" or (be.kind in ("cuda", "rocm") and torch.cuda.is_bf16_supported()):
        return "bf16"
    return "fp32"


def train_step_record(be, model_name, seconds, precision):
    c = TRAIN_MODELS[model_name]
    torch.manual_seed(1)
    model = Lm(c).to(be.device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    data = torch.randint(0, VOCAB, (c["batch"], c["seq"] + 1), device=be.device)
    tokens, targets = data[:, :-1].contiguous(), data[:, 1:].contiguous()
    autocast = precision in ("bf16", "fp16")  # on a CPU only when asked for (--train-precision)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16

    def step():
        if autocast:
            with torch.autocast(device_type=be.device.type, dtype=dtype):
                loss = model(tokens, targets)
        else:
            loss = model(tokens, targets)
        loss.backward()
        be.step()
        opt.step()
        opt.zero_grad(set_to_none=True)

    # Accelerators: the first step compiles and the second creates AdamW's state (a new graph on Gaudi).
    steps, s, t0, t1 = timed(step, seconds, be, warmup=1 if be.kind == "cpu" else 2)
    total, active = model.params()
    per_step = c["batch"] * c["seq"]
    return {
        "type": "train_step",
        "model": "moe",
        "config": model_name,
        "precision": precision,
        "params_total": total,
        "params_active": active,
        "batch": c["batch"],
        "seq_len": c["seq"],
        "tokens_per_step": per_step,
        "steps": steps,
        "duration_s": s,
        "tokens_per_s": steps * per_step / s,
        "flops_per_token": 6 * active,
        "flops_per_s": 6 * active * steps * per_step / s,
        "t_start_s": t0,
        "t_end_s": t1,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description="Measured accelerator profiles for Verdant (see the module's docstring).")
    p.add_argument("--device", choices=("auto", "cuda", "hpu", "cpu"), default="auto", help="what to measure (auto: Gaudi, else CUDA/ROCm, else CPU)")
    p.add_argument("--sizes", help="square GEMM sizes, comma-separated (default 1024,2048,4096,8192; 256,512,1024 on CPU)")
    p.add_argument("--precisions", default=",".join(PRECISIONS), help="of fp32,tf32,bf16,fp16,fp8 (unsupported ones are reported as skipped)")
    p.add_argument("--seconds", type=float, help="timed seconds per GEMM case and for the training step (default 10, longer than the power meters' averaging windows, e.g. NVML's; 1 on CPU)")
    p.add_argument("--bandwidth-mib", type=int, help="size of the copied tensor, MiB (default 1024; 256 on CPU; 0 skips)")
    p.add_argument("--train-model", choices=sorted(TRAIN_MODELS) + ["none"], help="training-step model (default large; reference on CPU; none skips)")
    p.add_argument("--train-precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (default torch's)")
    p.add_argument("--out", help="write the JSON lines here (default $VERDANT_ACCEL_FILE, else stdout)")
    a = p.parse_args(argv)
    if a.threads > 0:
        torch.set_num_threads(a.threads)

    be = detect(a.device)
    cpu = be.kind == "cpu"
    sizes = [int(x) for x in (a.sizes or ("256,512,1024" if cpu else "1024,2048,4096,8192")).split(",") if x.strip()]
    if not sizes or any(n < 1 for n in sizes):
        raise SystemExit("verdant_accel_bench: --sizes must be positive whole numbers")
    precisions = [x.strip() for x in a.precisions.split(",") if x.strip()]
    unknown = [x for x in precisions if x not in PRECISIONS]
    if unknown:
        raise SystemExit(f"verdant_accel_bench: unknown precision {unknown[0]} (use {', '.join(PRECISIONS)})")
    # On an accelerator each case runs well past the power meters' averaging windows (NVML averages over about a
    # second or more, some boards longer): 10 s gives the case's own power, not its ramp. The CPU (RAPL, read
    # directly) and the tests keep it short.
    seconds = a.seconds if a.seconds is not None else (1.0 if cpu else 10.0)
    if not seconds > 0:
        raise SystemExit("verdant_accel_bench: --seconds must be positive")
    bw_mib = a.bandwidth_mib if a.bandwidth_mib is not None else (256 if cpu else 1024)
    train_model = a.train_model or ("reference" if cpu else "large")

    path = a.out or os.environ.get(CHANNEL_ENV)
    out = open(path, "a", encoding="utf-8") if path else sys.stdout

    def emit(rec):
        out.write(json.dumps(rec) + "\n")
        out.flush()

    emit({
        "type": "device", "schema": SCHEMA, "backend": be.kind, "name": be.name, "memory_bytes": be.memory_bytes,
        "device_count": be.count, "device_index": 0, "torch": torch.__version__,
        "hip": getattr(torch.version, "hip", None), "cuda": getattr(torch.version, "cuda", None),
        "threads": torch.get_num_threads() if cpu else None, "t_s": time.time(),
    })
    log(f"{be.kind}: {be.name} (torch {torch.__version__})")

    for prec in precisions:
        for n in sizes:
            try:
                fn = gemm_case(prec, n, be)
            except Exception as e:  # noqa: BLE001 (any failure means: not measurable here)
                emit({"type": "skipped", "what": prec, "n": n, "reason": str(e).splitlines()[0] if str(e) else type(e).__name__})
                log(f"{prec}: skipped ({e})")
                break  # the same reason holds for every size
            calls, s, t0, t1 = timed(fn, seconds, be)
            rate = 2 * n**3 * calls / s
            emit({"type": "gemm", "precision": prec, "n": n, "multiplies": calls, "duration_s": s, "flops_per_s": rate, "t_start_s": t0, "t_end_s": t1})
            log(f"{prec} n={n}: {rate / 1e12:.3f} TFLOP/s")
            del fn
    if be.kind in ("cuda", "rocm"):
        torch.backends.cuda.matmul.allow_tf32 = False

    if bw_mib > 0:
        elements = bw_mib * 2**20 // 4
        src = torch.ones(elements, device=be.device, dtype=torch.float32)
        dst = torch.empty_like(src)
        calls, s, t0, t1 = timed(lambda: dst.copy_(src), seconds, be)
        moved = 2 * elements * 4
        emit({"type": "bandwidth", "bytes": elements * 4, "bytes_per_copy": moved, "copies": calls, "duration_s": s, "bytes_per_s": moved * calls / s, "t_start_s": t0, "t_end_s": t1})
        log(f"copy of {bw_mib} MiB: {moved * calls / s / 1e9:.1f} GB/s (read + write)")
        del src, dst

    if train_model != "none":
        try:
            rec = train_step_record(be, train_model, seconds, train_precision(be, a.train_precision))
            emit(rec)
            log(f"training step ({train_model}, {rec['precision']}): {rec['tokens_per_s']:.0f} tokens/s")
        except Exception as e:  # noqa: BLE001
            emit({"type": "skipped", "what": "train_step", "reason": str(e).splitlines()[0] if str(e) else type(e).__name__})
            log(f"training step: skipped ({e})")

    emit({"type": "done", "t_end_s": time.time()})
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
