#!/usr/bin/python3
"""make_fixtures.py - PyTorch reference numbers for the engine's model and optimizer tests.

Builds a tiny Llama in plain torch with the Hugging Face module layout (embedding,
RMSNorm, attention with rotary embeddings and grouped-query heads, SwiGLU MLP, untied
head), fixed tokens and deterministic weights, and writes under tests/ref/fixtures/:

  llama_tiny.bin   every tensor, float32 little-endian, back to back
  llama_tiny.json  the config, scalars, and for each tensor its offset (in floats) and shape

Contents: the weights (GGUF names, row-major [out, in] as in HF), the batch, the loss,
logits at a few positions and every gradient for the rotate_half (neox) RoPE model; the
loss, logits and some gradients of the same weights with adjacent-pair RoPE; and three
AdamW steps (full fine-tune, and LoRA r=4 on all seven projections) with global-norm
clipping and a warmup+cosine schedule computed as transformers' LambdaLR does.

Run with Debian's python3-torch:  /usr/bin/python3 tests/ref/make_fixtures.py
The tests need only the committed output, not torch.
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

CFG = dict(n_vocab=64, dim=32, n_layers=2, n_heads=4, n_kv_heads=2, head_dim=8, ffn_dim=48,
           rope_base=10000.0, norm_eps=1e-5)
B, T = 2, 8
LOGIT_POSITIONS = [0, 7, 11]          # flat indices b*T+t
OPT = dict(lr=3e-3, lora_lr=2e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1,
           max_grad_norm=1.0, warmup_steps=1, total_steps=4, min_lr_ratio=0.1, steps=3)
LORA = dict(r=4, alpha=8.0)
PROJ = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]


def make_weights(gen):
    c = CFG
    d, hd, f = c["dim"], c["head_dim"], c["ffn_dim"]
    shapes = {"token_embd.weight": (c["n_vocab"], d)}
    for i in range(c["n_layers"]):
        p = f"blk.{i}."
        shapes.update({p + "attn_norm.weight": (d,), p + "attn_q.weight": (c["n_heads"] * hd, d),
                       p + "attn_k.weight": (c["n_kv_heads"] * hd, d),
                       p + "attn_v.weight": (c["n_kv_heads"] * hd, d),
                       p + "attn_output.weight": (d, c["n_heads"] * hd),
                       p + "ffn_norm.weight": (d,), p + "ffn_gate.weight": (f, d),
                       p + "ffn_up.weight": (f, d), p + "ffn_down.weight": (d, f)})
    shapes.update({"output_norm.weight": (d,), "output.weight": (c["n_vocab"], d)})
    w = {}
    for name, shape in shapes.items():
        r = torch.randn(shape, generator=gen, dtype=torch.float32)
        w[name] = 1.0 + 0.1 * r if name.endswith("norm.weight") else 0.15 * r
    return w


def rms_norm(x, g):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + CFG["norm_eps"]) * g


def rope_tables(neox):
    hd = CFG["head_dim"]
    inv = 1.0 / (CFG["rope_base"] ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
    ang = torch.outer(torch.arange(T, dtype=torch.float32), inv)        # [T, hd/2]
    if neox:
        ang = torch.cat([ang, ang], dim=-1)                              # HF: cat(freqs, freqs)
    else:
        ang = torch.repeat_interleave(ang, 2, dim=-1)                   # pairs (0,1), (2,3)...
    return ang.cos(), ang.sin()


def rotate(x, cos, sin, neox):
    if neox:
        h = x.shape[-1] // 2
        rot = torch.cat([-x[..., h:], x[..., :h]], dim=-1)              # HF rotate_half
    else:
        rot = torch.stack([-x[..., 1::2], x[..., ::2]], dim=-1).flatten(-2)
    return x * cos + rot * sin


def linear(x, w, name, lora):
    y = x @ w[name].T
    if lora is not None and name + ".lora_a" in lora:
        s = LORA["alpha"] / LORA["r"]
        y = y + s * ((x @ lora[name + ".lora_a"].T) @ lora[name + ".lora_b"].T)
    return y


def forward(w, tokens, neox=True, lora=None):
    c = CFG
    nh, nkv, hd = c["n_heads"], c["n_kv_heads"], c["head_dim"]
    cos, sin = rope_tables(neox)
    x = F.embedding(tokens, w["token_embd.weight"])                      # [B, T, d]
    mask = torch.full((T, T), float("-inf")).triu(1)
    for i in range(c["n_layers"]):
        p = f"blk.{i}."
        h = rms_norm(x, w[p + "attn_norm.weight"])
        q = linear(h, w, p + "attn_q.weight", lora).view(B, T, nh, hd).transpose(1, 2)
        k = linear(h, w, p + "attn_k.weight", lora).view(B, T, nkv, hd).transpose(1, 2)
        v = linear(h, w, p + "attn_v.weight", lora).view(B, T, nkv, hd).transpose(1, 2)
        q, k = rotate(q, cos, sin, neox), rotate(k, cos, sin, neox)
        k = k.repeat_interleave(nh // nkv, dim=1)                       # HF repeat_kv
        v = v.repeat_interleave(nh // nkv, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, nh * hd)
        x = x + linear(o, w, p + "attn_output.weight", lora)
        h = rms_norm(x, w[p + "ffn_norm.weight"])
        a = F.silu(linear(h, w, p + "ffn_gate.weight", lora)) * linear(h, w, p + "ffn_up.weight", lora)
        x = x + linear(a, w, p + "ffn_down.weight", lora)
    return rms_norm(x, w["output_norm.weight"]) @ w["output.weight"].T


def loss_of(logits, targets):
    return F.cross_entropy(logits.view(-1, CFG["n_vocab"]), targets.view(-1), ignore_index=-100)


def make_batch(gen):
    tokens = torch.randint(0, CFG["n_vocab"], (B, T), generator=gen)
    targets = torch.full((B, T), -100, dtype=torch.long)
    targets[:, :-1] = tokens[:, 1:]
    targets[1, :3] = -100                    # a prompt that is not learned
    return tokens, targets


def hf_cosine_factor(step):
    """transformers' cosine-with-warmup lambda with min_lr_rate."""
    warm, total = OPT["warmup_steps"], OPT["total_steps"]
    if step < warm:
        return step / max(1, warm)
    progress = (step - warm) / max(1, total - warm)
    f = 0.5 * (1.0 + math.cos(math.pi * progress))
    return max(0.0, f * (1 - OPT["min_lr_ratio"]) + OPT["min_lr_ratio"])


def train(params, decay_names, lr, step_loss):
    """HF Trainer's AdamW grouping (no decay on norms), clip, LambdaLR."""
    groups = [{"params": [p for n, p in params.items() if n in decay_names],
               "weight_decay": OPT["weight_decay"]},
              {"params": [p for n, p in params.items() if n not in decay_names],
               "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=(OPT["beta1"], OPT["beta2"]), eps=OPT["eps"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, hf_cosine_factor)
    losses, norms, lrs = [], [], []
    for _ in range(OPT["steps"]):
        opt.zero_grad()
        loss = step_loss()
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()),
                                                          OPT["max_grad_norm"])))
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        losses.append(float(loss))
    with torch.no_grad():
        losses.append(float(step_loss()))
    return losses, norms, lrs


class Writer:
    def __init__(self):
        self.blob = bytearray()
        self.index = {}

    def add(self, name, t):
        t = t.detach().to(torch.float32).contiguous()
        self.index[name] = {"offset": len(self.blob) // 4, "shape": list(t.shape)}
        self.blob += struct.pack("<%df" % t.numel(), *t.flatten().tolist())


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    w0 = make_weights(gen)
    tokens, targets = make_batch(gen)
    out = Writer()
    doc = {"config": CFG, "batch": {"B": B, "T": T, "tokens": tokens.flatten().tolist(),
                                    "targets": targets.flatten().tolist()},
           "logit_positions": LOGIT_POSITIONS, "optim": OPT, "lora": LORA}
    for name, t in w0.items():
        out.add("w/" + name, t)

    for neox, tag in ((True, "neox"), (False, "normal")):
        w = {n: t.clone().requires_grad_(True) for n, t in w0.items()}
        logits = forward(w, tokens, neox)
        loss = loss_of(logits, targets)
        loss.backward()
        doc[tag] = {"loss": float(loss)}
        out.add(tag + "/logits", logits.view(B * T, -1)[LOGIT_POSITIONS])
        keep = w.keys() if neox else ["blk.0.attn_q.weight", "blk.0.attn_k.weight",
                                      "blk.1.ffn_down.weight", "token_embd.weight"]
        for name in keep:
            out.add(tag + "/grad/" + name, w[name].grad)

    w = {n: t.clone().requires_grad_(True) for n, t in w0.items()}
    decay = {n for n in w if not n.endswith("norm.weight")}
    losses, norms, lrs = train(w, decay, OPT["lr"], lambda: loss_of(forward(w, tokens), targets))
    doc["full"] = {"losses": losses, "grad_norms": norms, "lrs": lrs}
    out.add("full/final/blk.1.attn_q.weight", w["blk.1.attn_q.weight"])
    out.add("full/final/output_norm.weight", w["output_norm.weight"])

    lora = {}
    for i in range(CFG["n_layers"]):
        for m in PROJ:
            name = f"blk.{i}.{m}.weight"
            o, k = w0[name].shape
            lora[name + ".lora_a"] = (0.2 * torch.randn((LORA["r"], k), generator=gen)).requires_grad_(True)
            lora[name + ".lora_b"] = (0.05 * torch.randn((o, LORA["r"]), generator=gen)).requires_grad_(True)
    for name, t in lora.items():
        out.add("lora/" + name, t)
    losses, norms, lrs = train(lora, set(lora), OPT["lora_lr"],
                               lambda: loss_of(forward(w0, tokens, True, lora), targets))
    doc["lora_train"] = {"losses": losses, "grad_norms": norms, "lrs": lrs}
    out.add("lora_final/blk.0.attn_v.weight.lora_b", lora["blk.0.attn_v.weight.lora_b"])

    doc["tensors"] = out.index
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    with open(os.path.join(here, "llama_tiny.bin"), "wb") as f:
        f.write(out.blob)
    with open(os.path.join(here, "llama_tiny.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("loss %.6f, full %s, lora %s, %d bytes" % (doc["neox"]["loss"], losses and doc["full"]["losses"],
                                                     doc["lora_train"]["losses"], len(out.blob)))


if __name__ == "__main__":
    main()
